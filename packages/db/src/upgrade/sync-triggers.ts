// Triggers that keep the old application's writes in step with the
// upgrade while it runs, installed in the additive phase and dropped at
// the switch:
//   * tapeline_upgrade_fill (BEFORE INSERT OR UPDATE, per row) gives a row
//     the old application writes the tenant_id of its parent, or of its
//     JSON, and an extraction row its extractor version and kind, so no new
//     row needs a backfill;
//   * tapeline_upgrade_count_inserts / _deletes (AFTER, per statement)
//     count the rows the old application adds and removes, so the report
//     balances while it writes.
// Writes by the upgrade's own session (setting tapeline_upgrade.session =
// 'on') skip both. The functions are SECURITY DEFINER so that an old
// application role needs no rights on the tapeline_upgrade schema.
import { GLOBAL_TENANT_ID, TARGET_TABLES, auditTenantText, knownTenantSql, outboxTenantText } from "./tables.ts";

const skipOwnWrites = `if current_setting('tapeline_upgrade.session', true) = 'on' then
        return new;
    end if;`;

function fillFunction(name: string, body: string): string {
  return `create or replace function tapeline_upgrade.${name}() returns trigger
    language plpgsql security definer
    set search_path = pg_catalog, public
    as $fill$
begin
    ${skipOwnWrites}
    ${body}
    return new;
end
$fill$;`;
}

const fromParent = (parent: string, column: string) =>
  `new.tenant_id := (select p.tenant_id from public.${parent} p where p.id = new.${column});`;

/** A SQL string literal; the extractor version comes from configuration, not from users. */
function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** The fill function body of each table that gains a derived tenant_id. */
const fillBodies = (extractorVersion: string): Record<string, string> => ({
  import_errors: fromParent("imports", "import_id"),
  import_mappings: fromParent("imports", "import_id"),
  loan_documents: fromParent("loan_candidates", "loan_id"),
  loan_conflicts: fromParent("loan_candidates", "loan_id"),
  loan_datapoints: `${fromParent("loan_candidates", "loan_id")}
    if new.source = 'extraction' then
        new.extractor_version := coalesce(new.extractor_version, ${literal(extractorVersion)});
        new.extractor_kind := coalesce(new.extractor_kind, 'deterministic');
    end if;`,
  qc_defects: `${fromParent("loan_candidates", "loan_id")}
    new.rule_tenant_id := coalesce(new.rule_tenant_id, '${GLOBAL_TENANT_ID}'::uuid);`,
  qc_rules: `new.tenant_id := coalesce(new.tenant_id, '${GLOBAL_TENANT_ID}'::uuid);`,
  audits: `new.tenant_id := coalesce(new.tenant_id, ${knownTenantSql(auditTenantText("new"))});`,
  event_outbox: `new.tenant_id := coalesce(new.tenant_id, ${knownTenantSql(outboxTenantText("new"))});`,
});

const countFunctions = `
create or replace function tapeline_upgrade.count_inserts() returns trigger
    language plpgsql security definer
    set search_path = pg_catalog, public
    as $count$
begin
    if current_setting('tapeline_upgrade.session', true) is distinct from 'on' then
        insert into tapeline_upgrade.traffic (table_name, rows_inserted)
        select tg_table_name, count(*) from new_rows;
    end if;
    return null;
end
$count$;
create or replace function tapeline_upgrade.count_deletes() returns trigger
    language plpgsql security definer
    set search_path = pg_catalog, public
    as $count$
begin
    if current_setting('tapeline_upgrade.session', true) is distinct from 'on' then
        insert into tapeline_upgrade.traffic (table_name, rows_deleted)
        select tg_table_name, count(*) from old_rows;
    end if;
    return null;
end
$count$;`;

/**
 * Statements that install the triggers on one table, idempotently. The
 * extractor version is written into the function body because the old
 * application's sessions do not carry the upgrade's settings.
 */
export function syncTriggerStatements(table: string, extractorVersion: string): string[] {
  const statements = [
    `drop trigger if exists tapeline_upgrade_count_inserts on public.${table}`,
    `create trigger tapeline_upgrade_count_inserts after insert on public.${table}
         referencing new table as new_rows
         for each statement execute function tapeline_upgrade.count_inserts()`,
    `drop trigger if exists tapeline_upgrade_count_deletes on public.${table}`,
    `create trigger tapeline_upgrade_count_deletes after delete on public.${table}
         referencing old table as old_rows
         for each statement execute function tapeline_upgrade.count_deletes()`,
  ];
  const fill = fillBodies(extractorVersion)[table];
  if (fill) {
    statements.push(
      fillFunction(`fill_${table}`, fill),
      `drop trigger if exists tapeline_upgrade_fill on public.${table}`,
      `create trigger tapeline_upgrade_fill before insert or update on public.${table}
           for each row execute function tapeline_upgrade.fill_${table}()`,
    );
  }
  return statements;
}

/** The statement-level counting functions, created or replaced idempotently. */
export const countFunctionsSql = countFunctions;

/** Statements that drop every trigger and function this module installs. */
export function dropSyncTriggerStatements(): string[] {
  const statements: string[] = [];
  for (const table of TARGET_TABLES) {
    for (const trigger of ["count_inserts", "count_deletes", "fill"]) {
      statements.push(`drop trigger if exists tapeline_upgrade_${trigger} on public.${table}`);
    }
    statements.push(`drop function if exists tapeline_upgrade.fill_${table}()`);
  }
  statements.push(
    "drop function if exists tapeline_upgrade.count_inserts()",
    "drop function if exists tapeline_upgrade.count_deletes()",
  );
  return statements;
}
