// Backfills the columns the legacy tables lack, in batches walked by id:
// tenant_id from the parent row or from the JSON, extractor_version and
// extractor_kind of extraction rows, rule_tenant_id of QC defects. Runs
// after quarantine, so every row left has a tenant to inherit.
import type postgres from "postgres";
import { addBackfilled } from "./state.ts";
import {
  GLOBAL_TENANT_ID,
  auditTenantText,
  knownTenantSql,
  outboxTenantText,
} from "./tables.ts";
import { inBatches, type StepContext } from "./context.ts";

interface Backfill {
  /** Rows that still need work. */
  pending: string;
  /** SET list of the UPDATE; `c` is the row, `$2` the extractor version. */
  set: string;
  /** Optional FROM item joined to `c`. */
  from?: string;
  where?: string;
  /** Columns the update fills, each with the condition under which it was empty. */
  counts: Record<string, string>;
}

const fromParent = (parent: string, column: string): Backfill => ({
  pending: "tenant_id is null",
  set: "tenant_id = p.tenant_id",
  from: `public.${parent} p`,
  where: `p.id = c.${column}`,
  counts: { tenant_id: "c.tenant_id is null" },
});

/** The backfill of each table that gains columns; loans and imports have their tenant already. */
export const BACKFILLS: Record<string, Backfill> = {
  import_errors: fromParent("imports", "import_id"),
  import_mappings: fromParent("imports", "import_id"),
  loan_documents: fromParent("loan_candidates", "loan_id"),
  loan_conflicts: fromParent("loan_candidates", "loan_id"),
  loan_datapoints: {
    pending: "tenant_id is null or (source = 'extraction' and (extractor_version is null or extractor_kind is null))",
    set: `tenant_id = coalesce(c.tenant_id, p.tenant_id),
          extractor_version = case when c.source = 'extraction'
                                   then coalesce(c.extractor_version, $2) else c.extractor_version end,
          extractor_kind = case when c.source = 'extraction'
                                then coalesce(c.extractor_kind, 'deterministic') else c.extractor_kind end`,
    from: "public.loan_candidates p",
    where: "p.id = c.loan_id",
    counts: {
      tenant_id: "c.tenant_id is null",
      extractor_version: "c.source = 'extraction' and c.extractor_version is null",
      extractor_kind: "c.source = 'extraction' and c.extractor_kind is null",
    },
  },
  qc_rules: {
    pending: "tenant_id is null",
    set: `tenant_id = '${GLOBAL_TENANT_ID}'`,
    counts: { tenant_id: "c.tenant_id is null" },
  },
  qc_defects: {
    pending: "tenant_id is null or rule_tenant_id is null",
    set: `tenant_id = coalesce(c.tenant_id, p.tenant_id),
          rule_tenant_id = coalesce(c.rule_tenant_id, '${GLOBAL_TENANT_ID}')`,
    from: "public.loan_candidates p",
    where: "p.id = c.loan_id",
    counts: { tenant_id: "c.tenant_id is null", rule_tenant_id: "c.rule_tenant_id is null" },
  },
  audits: {
    pending: "tenant_id is null",
    set: `tenant_id = ${knownTenantSql(auditTenantText("c"))}`,
    counts: { tenant_id: "c.tenant_id is null" },
  },
  event_outbox: {
    pending: "tenant_id is null",
    set: `tenant_id = ${knownTenantSql(outboxTenantText("c"))}`,
    counts: { tenant_id: "c.tenant_id is null" },
  },
};

function updateStatement(table: string, backfill: Backfill): string {
  const countColumns = Object.entries(backfill.counts)
    .map(([column, condition]) => `(${condition}) as fills_${column}`)
    .join(", ");
  const sums = Object.keys(backfill.counts)
    .map((column) => `count(*) filter (where b.fills_${column})::int as "${column}"`)
    .join(", ");
  const from = backfill.from ? `, ${backfill.from}` : "";
  const where = backfill.where ? ` and ${backfill.where}` : "";
  return `with before as (
        select c.id, ${countColumns}
        from public.${table} c
        where c.id = any($1::uuid[])
        for update
    ),
    updated as (
        update public.${table} c set ${backfill.set}
        from before b${from}
        where c.id = b.id${where}
        returning c.id
    )
    select ${sums}
    from before b
    join updated u on u.id = b.id`;
}

async function nextIds(
  tx: postgres.TransactionSql,
  table: string,
  pending: string,
  after: string | null,
  size: number,
): Promise<string[]> {
  const rows = await tx.unsafe<{ id: string }[]>(
    `select id from public.${table}
     where (${pending}) and ($1::uuid is null or id > $1::uuid)
     order by id
     limit $2`,
    [after, size],
  );
  return rows.map((row) => row.id);
}

/** Backfills one table; returns the rows updated. */
export async function backfillTable(ctx: StepContext, table: string): Promise<number> {
  const backfill = BACKFILLS[table];
  if (!backfill) return 0;
  const statement = updateStatement(table, backfill);
  const usesVersion = statement.includes("$2");
  let after: string | null = null;
  return inBatches(ctx, async (tx) => {
    const ids = await nextIds(tx, table, backfill.pending, after, ctx.options.batchSize);
    if (ids.length === 0) return 0;
    const parameters = usesVersion ? [ids, ctx.options.extractorVersion] : [ids];
    const [filled] = await tx.unsafe<Record<string, number>[]>(statement, parameters);
    for (const column of Object.keys(backfill.counts)) {
      await addBackfilled(tx, table, column, filled?.[column] ?? 0);
    }
    after = ids[ids.length - 1]!;
    return ids.length;
  });
}
