// The upgrade report: per table, rows before and after, rows the upgrade
// created, rows the old application wrote meanwhile, rows quarantined by
// reason and rows backfilled by column. A table balances when
//   before + created + written during the upgrade = after + quarantined.
// With the old application stopped, `written` is zero and the only created
// row is the global pseudo-tenant, so before = after + quarantined.
import type postgres from "postgres";
import type { Phase } from "./context.ts";
import { TARGET_TABLES } from "./tables.ts";

export interface TableReport {
  table: string;
  rowsBefore: number;
  rowsCreated: number;
  rowsWrittenDuringUpgrade: number;
  rowsAfter: number;
  rowsQuarantined: number;
  quarantinedByReason: Record<string, number>;
  /** Rows the backfill updated: the largest count of any filled column (loan_id re-points aside). */
  rowsBackfilled: number;
  /** Filled values per column; `loan_id` counts rows moved from a duplicate loan to the kept one. */
  backfilledByColumn: Record<string, number>;
  balanced: boolean;
}

export interface StepRun {
  name: string;
  phase: Phase;
  durationMs: number;
}

export interface PlannedStep {
  name: string;
  phase: Phase;
  kind: string;
  repeat: boolean;
  summary: string;
}

export interface UpgradeReport {
  dryRun: boolean;
  /** The last phase whose steps are all complete, or null. */
  phaseCompleted: Phase | null;
  stepsRun: StepRun[];
  pendingSteps: PlannedStep[];
  tables: TableReport[];
  balanced: boolean;
}

interface CountRow {
  table_name: string;
  rows_before: string;
  rows_created: string;
  rows_after: string | null;
}

type Sql = postgres.Sql | postgres.TransactionSql;

async function groupedCounts(
  sql: Sql,
  query: string,
): Promise<Map<string, Record<string, number>>> {
  const grouped = new Map<string, Record<string, number>>();
  for (const row of await sql.unsafe<{ table_name: string; key: string; rows: string }[]>(query)) {
    const entry = grouped.get(row.table_name) ?? {};
    entry[row.key] = Number(row.rows);
    grouped.set(row.table_name, entry);
  }
  return grouped;
}

const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);

/** Rows the backfill updated: the largest count of any filled column, loan_id re-points aside. */
export function rowsBackfilled(byColumn: Record<string, number>): number {
  const filled = Object.entries(byColumn).filter(([column]) => column !== "loan_id");
  return Math.max(0, ...filled.map(([, rows]) => rows));
}

export function isBalanced(table: Omit<TableReport, "balanced">): boolean {
  return (
    table.rowsBefore + table.rowsCreated + table.rowsWrittenDuringUpgrade ===
    table.rowsAfter + table.rowsQuarantined
  );
}

/** Reads the per-table report from the state schema and the live tables, in one snapshot. */
export async function readTableReports(sql: Sql): Promise<TableReport[]> {
  const counts = new Map(
    (await sql.unsafe<CountRow[]>("select * from tapeline_upgrade.table_counts")).map((row) => [
      row.table_name,
      row,
    ]),
  );
  const quarantined = await groupedCounts(
    sql,
    "select table_name, reason as key, count(*) as rows from quarantine.rows group by 1, 2",
  );
  const backfilled = await groupedCounts(
    sql,
    "select table_name, column_name as key, rows from tapeline_upgrade.backfills",
  );
  const written = await groupedCounts(
    sql,
    `select table_name, 'net' as key, sum(rows_inserted - rows_deleted) as rows
     from tapeline_upgrade.traffic group by 1`,
  );

  const reports: TableReport[] = [];
  for (const table of TARGET_TABLES) {
    const count = counts.get(table);
    const after =
      count?.rows_after ??
      (await sql.unsafe<{ rows: string }[]>(`select count(*) as rows from public.${table}`))[0]?.rows;
    const byColumn = backfilled.get(table) ?? {};
    const row = {
      table,
      rowsBefore: Number(count?.rows_before ?? 0),
      rowsCreated: Number(count?.rows_created ?? 0),
      rowsWrittenDuringUpgrade: written.get(table)?.net ?? 0,
      rowsAfter: Number(after ?? 0),
      rowsQuarantined: sum(quarantined.get(table) ?? {}),
      quarantinedByReason: quarantined.get(table) ?? {},
      rowsBackfilled: rowsBackfilled(byColumn),
      backfilledByColumn: byColumn,
    };
    reports.push({ ...row, balanced: isBalanced(row) });
  }
  return reports;
}

/** Writes the per-table report and the whole report of this run into the state schema. */
export async function storeReport(sql: Sql, report: UpgradeReport, startedAt: Date): Promise<void> {
  for (const table of report.tables) {
    await sql`
      insert into tapeline_upgrade.report (
          table_name, rows_before, rows_created, rows_written_during_upgrade, rows_after,
          rows_quarantined, rows_backfilled, quarantined_by_reason, backfilled_by_column, balanced)
      values (
          ${table.table}, ${table.rowsBefore}, ${table.rowsCreated}, ${table.rowsWrittenDuringUpgrade},
          ${table.rowsAfter}, ${table.rowsQuarantined}, ${table.rowsBackfilled},
          ${sql.json(table.quarantinedByReason)}, ${sql.json(table.backfilledByColumn)}, ${table.balanced})
      on conflict (table_name) do update set
          rows_before = excluded.rows_before,
          rows_created = excluded.rows_created,
          rows_written_during_upgrade = excluded.rows_written_during_upgrade,
          rows_after = excluded.rows_after,
          rows_quarantined = excluded.rows_quarantined,
          rows_backfilled = excluded.rows_backfilled,
          quarantined_by_reason = excluded.quarantined_by_reason,
          backfilled_by_column = excluded.backfilled_by_column,
          balanced = excluded.balanced,
          reported_at = now()`;
  }
  await sql`
    insert into tapeline_upgrade.runs (started_at, report)
    values (${startedAt}, ${sql.json(JSON.parse(JSON.stringify(report)))})`;
}
