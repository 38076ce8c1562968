// The dry run: reports what the upgrade would change and changes nothing.
// Classification runs inside a transaction that is rolled back, writing
// its verdicts into a temporary table; every other figure comes from
// counting queries. Steps are listed, not run; CONCURRENTLY steps appear
// with kind "concurrent".
import type postgres from "postgres";
import { readColumns, tableExists } from "./catalog.ts";
import { classificationStatements } from "./classify.ts";
import type { StepContext } from "./context.ts";
import { BACKFILLS } from "./backfill.ts";
import { isBalanced, rowsBackfilled, type TableReport, type UpgradeReport } from "./report.ts";
import { completedPhase, pendingSteps } from "./run.ts";
import { readCompletedSteps, stateSchemaExists } from "./state.ts";
import type { Step } from "./step.ts";
import { GLOBAL_TENANT_ID, LOAN_CHILDREN, TARGET_TABLES } from "./tables.ts";

type Tx = postgres.TransactionSql;

const VERDICTS = "pg_temp.dry_run_verdicts";

class RollBack extends Error {}

async function prepareVerdicts(tx: Tx, hasState: boolean): Promise<void> {
  await tx.unsafe(`create temporary table dry_run_verdicts (
      table_name text not null, row_id uuid not null, reason text not null, detail text,
      keep_id uuid, moved boolean not null default false, primary key (table_name, row_id))`);
  if (hasState) {
    await tx.unsafe(`insert into ${VERDICTS} (table_name, row_id, reason, detail, keep_id, moved)
                     select table_name, row_id, reason, detail, keep_id, moved
                     from tapeline_upgrade.verdicts`);
  }
  await tx.unsafe("set local statement_timeout = 0");
  for (const statement of classificationStatements(VERDICTS)) await tx.unsafe(statement.sql);
}

async function countRows(tx: Tx, query: string, parameters: unknown[] = []): Promise<number> {
  const [row] = await tx.unsafe<{ rows: string }[]>(query, parameters as never[]);
  return Number(row?.rows ?? 0);
}

const notJudged = (table: string) =>
  `not exists (select 1 from ${VERDICTS} v where v.table_name = '${table}' and v.row_id = c.id)`;

/** Values the backfill would fill in `table`, per column, for the rows that stay. */
async function projectBackfill(tx: Tx, table: string): Promise<Record<string, number>> {
  const backfill = BACKFILLS[table];
  const projected: Record<string, number> = {};
  if (backfill) {
    const live = await readColumns(tx, table);
    for (const [column, condition] of Object.entries(backfill.counts)) {
      // A column the table lacks yet is empty in every row.
      const test = live.has(column) ? condition : condition.replaceAll(`c.${column} is null`, "true");
      projected[column] = await countRows(
        tx,
        `select count(*) as rows from public.${table} c where (${test}) and ${notJudged(table)}`,
      );
    }
  }
  if ((LOAN_CHILDREN as readonly string[]).includes(table)) {
    projected.loan_id = await countRows(
      tx,
      `select count(*) as rows from public.${table} c
       join ${VERDICTS} l on l.table_name = 'loan_candidates' and l.row_id = c.loan_id
                         and l.reason = 'duplicate_loan_number' and not l.moved
       where ${notJudged(table)}`,
    );
  }
  return Object.fromEntries(Object.entries(projected).filter(([, rows]) => rows > 0));
}

interface QuarantineProjection {
  byReason: Record<string, number>;
  /** Rows with a verdict that are still in their table. */
  pendingRows: number;
}

async function projectQuarantine(tx: Tx, table: string, hasState: boolean): Promise<QuarantineProjection> {
  const pending = await tx.unsafe<{ reason: string; rows: string }[]>(
    `select reason, count(*) as rows from ${VERDICTS}
     where table_name = $1 and not moved group by reason`,
    [table],
  );
  const moved = hasState
    ? await tx.unsafe<{ reason: string; rows: string }[]>(
        "select reason, count(*) as rows from quarantine.rows where table_name = $1 group by reason",
        [table],
      )
    : [];

  const byReason: Record<string, number> = {};
  for (const row of [...moved, ...pending]) {
    byReason[row.reason] = (byReason[row.reason] ?? 0) + Number(row.rows);
  }
  const pendingRows = pending.reduce((total, row) => total + Number(row.rows), 0);
  return { byReason, pendingRows };
}

interface StoredCounts {
  before?: number;
  created: number;
  written: number;
}

async function readStoredCounts(tx: Tx, table: string, hasState: boolean): Promise<StoredCounts> {
  if (!hasState) return { created: 0, written: 0 };
  const [stored] = await tx.unsafe<{ rows_before: string; rows_created: string }[]>(
    "select rows_before, rows_created from tapeline_upgrade.table_counts where table_name = $1",
    [table],
  );
  const written = await countRows(
    tx,
    `select coalesce(sum(rows_inserted - rows_deleted), 0) as rows
     from tapeline_upgrade.traffic where table_name = $1`,
    [table],
  );
  return {
    before: stored ? Number(stored.rows_before) : undefined,
    created: Number(stored?.rows_created ?? 0),
    written,
  };
}

async function projectTable(tx: Tx, table: string, hasState: boolean): Promise<TableReport> {
  const exists = await tableExists(tx, table);
  const live = exists ? await countRows(tx, `select count(*) as rows from public.${table}`) : 0;
  const quarantine = await projectQuarantine(tx, table, hasState);
  const stored = await readStoredCounts(tx, table, hasState);
  const globalMissing =
    table === "tenants" &&
    (await countRows(tx, "select count(*) as rows from public.tenants where id = $1", [GLOBAL_TENANT_ID])) === 0;
  const backfilledByColumn = exists ? await projectBackfill(tx, table) : {};

  const created = globalMissing ? 1 : 0;
  const row = {
    table,
    rowsBefore: stored.before ?? live,
    rowsCreated: stored.created + created,
    rowsWrittenDuringUpgrade: stored.written,
    rowsAfter: live - quarantine.pendingRows + created,
    rowsQuarantined: Object.values(quarantine.byReason).reduce((a, b) => a + b, 0),
    quarantinedByReason: quarantine.byReason,
    rowsBackfilled: rowsBackfilled(backfilledByColumn),
    backfilledByColumn,
  };
  return { ...row, balanced: isBalanced(row) };
}

/** Builds the dry-run report: pending steps and projected counts. Leaves the database as it was. */
export async function planDryRun(ctx: StepContext, steps: Step[]): Promise<UpgradeReport> {
  const hasState = await stateSchemaExists(ctx.sql);
  const completed = await readCompletedSteps(ctx.sql);
  const tables: TableReport[] = [];
  await ctx.sql
    .begin(async (tx) => {
      await prepareVerdicts(tx, hasState);
      for (const table of TARGET_TABLES) tables.push(await projectTable(tx, table, hasState));
      throw new RollBack();
    })
    .catch((error: unknown) => {
      if (!(error instanceof RollBack)) throw error;
    });
  return {
    dryRun: true,
    phaseCompleted: completedPhase(steps, completed),
    stepsRun: [],
    pendingSteps: pendingSteps(steps, completed),
    tables,
    balanced: tables.every((table) => table.balanced),
  };
}
