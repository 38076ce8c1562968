// Sets extractor_version on extraction datapoints that lack it. The CHECK
// constraint loan_datapoints_extraction_lineage forbids such rows today;
// they exist only in databases that held data before the constraint.
//
// Design: the backfill runs tenant by tenant through db.tenant(), as the
// application role, in short batches. Row-level security is forced on
// loan_datapoints and only the application role has policies there. A
// SECURITY DEFINER function owned by tapeline_owner would therefore see no
// rows, unless a new policy let the owner read and write every tenant's
// datapoints: a permanent cross-tenant grant for a one-off repair. Going
// through db.tenant() needs no new privilege or migration, and the audit
// triggers record every changed row under the backfill's actor.
import { sql } from "drizzle-orm";
import { TapelineError } from "./errors.ts";
import type { SystemDatabase } from "./system.ts";
import type { AppDatabase, TenantTransaction } from "./tenant.ts";

export interface BackfillOptions {
  db: AppDatabase;
  system: SystemDatabase;
  /** The version to record, normally readDatabaseEnv().currentExtractorVersion. */
  version: string;
  /** Rows per transaction; defaults to 5,000. */
  batchSize?: number;
  /** Recorded on the audits rows; defaults to `db:backfill-versions`. */
  actor?: string;
}

export interface TenantBackfill {
  tenantId: string;
  slug: string;
  /** Extraction rows without extractor_version before the run. */
  missingBefore: number;
  updated: number;
  missingAfter: number;
  /**
   * Rows left alone because a model-based extractor wrote them: the
   * configured version is the deterministic extractor's, not the model's.
   */
  modelRows: number;
}

export class BackfillFailedError extends TapelineError {
  constructor(tenant: { id: string; slug: string }, updated: number, cause: unknown) {
    super(
      "BACKFILL_FAILED",
      `Backfill of tenant ${tenant.slug} (${tenant.id}) failed after updating ${updated} rows: ` +
        `${databaseMessage(cause)}. Rows that also lack confidence or evidence fail the ` +
        `lineage CHECK constraints; repair or delete them, then run the backfill again.`,
      { tenantId: tenant.id },
      { cause },
    );
  }
}

/** Returns the PostgreSQL message inside a Drizzle error, without the query or its parameters. */
function databaseMessage(error: unknown): string {
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if ((current as { severity?: string }).severity) return current.message;
    current = current.cause;
  }
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}

/** Rows the configured deterministic version may be written to. */
const BACKFILLABLE = sql`
    source = 'extraction'
    and extractor_version is null
    and coalesce(extractor_kind, 'deterministic') = 'deterministic'
    and prompt_version is null`;

async function countMissing(tx: TenantTransaction, tenantId: string) {
  const rows = await tx.execute<{ missing: number; model_rows: number }>(sql`
    select count(*)::int as missing,
           (count(*) filter (where not (${BACKFILLABLE})))::int as model_rows
    from loan_datapoints
    where tenant_id = ${tenantId} and source = 'extraction' and extractor_version is null`);
  return { missing: rows[0]!.missing, modelRows: rows[0]!.model_rows };
}

async function updateBatch(tx: TenantTransaction, tenantId: string, version: string, size: number) {
  const result = await tx.execute(sql`
    update loan_datapoints
    set extractor_version = ${version}, extractor_kind = 'deterministic'
    where tenant_id = ${tenantId}
      and id in (
          select id from loan_datapoints
          where tenant_id = ${tenantId} and ${BACKFILLABLE}
          limit ${size})`);
  return result.count;
}

async function backfillTenant(
  options: BackfillOptions,
  tenant: { id: string; slug: string },
): Promise<TenantBackfill> {
  const { db, version } = options;
  const batchSize = options.batchSize ?? 5000;
  const actor = options.actor ?? "db:backfill-versions";
  const before = await db.tenant(tenant.id, (tx) => countMissing(tx, tenant.id));

  let updated = 0;
  for (;;) {
    const count = await db
      .tenant(tenant.id, (tx) => updateBatch(tx, tenant.id, version, batchSize), { actor })
      .catch((error: unknown) => {
        throw new BackfillFailedError(tenant, updated, error);
      });
    updated += count;
    if (count < batchSize) break;
  }

  const after = await db.tenant(tenant.id, (tx) => countMissing(tx, tenant.id));
  return {
    tenantId: tenant.id,
    slug: tenant.slug,
    missingBefore: before.missing,
    updated,
    missingAfter: after.missing,
    modelRows: after.modelRows,
  };
}

/**
 * Backfills every tenant in turn and returns the counts per tenant. Running
 * it again updates nothing. A row that also lacks other lineage fails its
 * CHECK constraints, which aborts that batch with the constraint's name.
 */
export async function backfillExtractorVersions(options: BackfillOptions): Promise<TenantBackfill[]> {
  const results: TenantBackfill[] = [];
  for (const tenant of await options.system.listTenants()) {
    results.push(await backfillTenant(options, tenant));
  }
  return results;
}
