// The upgrade's own bookkeeping: completed steps, verdicts on bad rows,
// the old application's writes during the upgrade, row counts, backfills
// and the report. Lives in the tapeline_upgrade schema; quarantined rows
// live in quarantine.rows. Neither schema is granted to the app roles.
import type postgres from "postgres";

const stateDdl = `
create schema if not exists tapeline_upgrade;
create schema if not exists quarantine;
create table if not exists tapeline_upgrade.steps (
    name text primary key,
    phase text not null,
    runs integer not null default 1,
    completed_at timestamp with time zone not null default now(),
    duration_ms integer not null
);
create table if not exists tapeline_upgrade.verdicts (
    table_name text not null,
    row_id uuid not null,
    reason text not null,
    detail text,
    keep_id uuid,
    moved boolean not null default false,
    classified_at timestamp with time zone not null default now(),
    primary key (table_name, row_id)
);
create table if not exists tapeline_upgrade.traffic (
    table_name text not null,
    rows_inserted bigint not null default 0,
    rows_deleted bigint not null default 0,
    recorded_at timestamp with time zone not null default now()
);
create table if not exists tapeline_upgrade.backfills (
    table_name text not null,
    column_name text not null,
    rows bigint not null default 0,
    primary key (table_name, column_name)
);
create table if not exists tapeline_upgrade.repointed (
    table_name text not null,
    row_id uuid not null,
    from_loan_id uuid not null,
    to_loan_id uuid not null,
    repointed_at timestamp with time zone not null default now(),
    primary key (table_name, row_id, from_loan_id)
);
create table if not exists tapeline_upgrade.table_counts (
    table_name text primary key,
    rows_before bigint not null,
    rows_created bigint not null default 0,
    rows_after bigint
);
create table if not exists tapeline_upgrade.report (
    table_name text primary key,
    rows_before bigint not null,
    rows_created bigint not null,
    rows_written_during_upgrade bigint not null,
    rows_after bigint not null,
    rows_quarantined bigint not null,
    rows_backfilled bigint not null,
    quarantined_by_reason jsonb not null,
    backfilled_by_column jsonb not null,
    balanced boolean not null,
    reported_at timestamp with time zone not null default now()
);
create table if not exists tapeline_upgrade.runs (
    id bigint generated always as identity primary key,
    started_at timestamp with time zone not null,
    finished_at timestamp with time zone not null default now(),
    report jsonb not null
);
create table if not exists quarantine.rows (
    id bigint generated always as identity primary key,
    table_name text not null,
    row_id uuid not null,
    -- The row's own tenant_id when it is a uuid; it may name no existing
    -- tenant. Not called tenant_id, because db:check treats a table with a
    -- tenant_id column as tenant data that row-level security must guard.
    row_tenant_id uuid,
    reason text not null,
    detail text,
    step text not null,
    row jsonb not null,
    quarantined_at timestamp with time zone not null default now(),
    unique (table_name, row_id)
);
-- State created before the column was renamed.
do $$
begin
    if exists (select 1 from pg_attribute
               where attrelid = 'quarantine.rows'::regclass
                 and attname = 'tenant_id' and not attisdropped) then
        alter table quarantine.rows rename column tenant_id to row_tenant_id;
    end if;
end
$$;
`;

/** Creates the state and quarantine schemas when missing; never run by a dry run. */
export async function createStateSchema(sql: postgres.Sql): Promise<void> {
  await sql.unsafe(stateDdl);
}

export async function stateSchemaExists(sql: postgres.Sql): Promise<boolean> {
  const [row] = await sql<{ present: boolean }[]>`
    select to_regclass('tapeline_upgrade.steps') is not null as present`;
  return row?.present ?? false;
}

export async function readCompletedSteps(sql: postgres.Sql): Promise<Set<string>> {
  if (!(await stateSchemaExists(sql))) return new Set();
  const rows = await sql<{ name: string }[]>`select name from tapeline_upgrade.steps`;
  return new Set(rows.map((row) => row.name));
}

export async function recordStep(
  sql: postgres.Sql | postgres.TransactionSql,
  name: string,
  phase: string,
  durationMs: number,
): Promise<void> {
  await sql`
    insert into tapeline_upgrade.steps (name, phase, duration_ms)
    values (${name}, ${phase}, ${Math.round(durationMs)})
    on conflict (name) do update
    set runs = steps.runs + 1, completed_at = now(), duration_ms = excluded.duration_ms`;
}

/** Adds `rows` to the backfill count of one column, in the caller's transaction. */
export async function addBackfilled(
  sql: postgres.TransactionSql,
  table: string,
  column: string,
  rows: number,
): Promise<void> {
  if (rows === 0) return;
  await sql`
    insert into tapeline_upgrade.backfills (table_name, column_name, rows)
    values (${table}, ${column}, ${rows})
    on conflict (table_name, column_name) do update set rows = backfills.rows + excluded.rows`;
}
