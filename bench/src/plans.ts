// EXPLAIN (ANALYZE, BUFFERS) of each tenant query, run as the application
// role inside db.tenant() so the plan includes the row-level security
// quals. Two rules fail the benchmark run. A tenant query must not scan a
// large table sequentially, and it must not filter on the tenant setting
// per row where an Index Cond belongs.
import type { AppDatabase } from "@tapeline/db";
import { tenantContextOf } from "@tapeline/db";

/** Tables whose size grows with the tenants' data; small lookup tables may be scanned. */
export const LARGE_TABLES = new Set([
  "loan_candidates",
  "loan_documents",
  "loan_datapoints",
  "loan_conflicts",
  "qc_defects",
  "audits",
  "import_errors",
  "event_outbox",
  "scratch_loan_documents",
  "scratch_loan_datapoints",
  "scratch_loan_conflicts",
]);

export interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Cond"?: string;
  Filter?: string;
  "Recheck Cond"?: string;
  Plans?: PlanNode[];
  [key: string]: unknown;
}

export interface RecordedPlan {
  figure: string;
  query: string;
  sql: string;
  /** The top plan node of EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON). */
  plan: PlanNode;
  /** Broken rules; any entry fails the run unless the query is a baseline. */
  violations: string[];
  /** Baseline queries are recorded but never fail the run. */
  baseline: boolean;
}

function* walk(node: PlanNode): Generator<PlanNode> {
  yield node;
  for (const child of node.Plans ?? []) yield* walk(child);
}

/** Lists the rule violations in a plan. */
export function checkPlan(plan: PlanNode): string[] {
  const violations: string[] = [];
  for (const node of walk(plan)) {
    const relation = node["Relation Name"];
    if (node["Node Type"] === "Seq Scan" && relation && LARGE_TABLES.has(relation)) {
      violations.push(`sequential scan on ${relation}`);
    }
    const filter = node.Filter ?? "";
    if (/current_setting|current_tenant_id/.test(filter)) {
      violations.push(
        `tenant setting evaluated per row on ${relation ?? node["Node Type"]}: Filter ${filter}`,
      );
    }
  }
  return violations;
}

/**
 * Runs EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) of `text` with `params` in a
 * db.tenant() transaction, and rolls back, so a plan of a write leaves no
 * trace.
 */
export async function explainInTenant(
  db: AppDatabase,
  tenantId: string,
  text: string,
  params: unknown[],
): Promise<PlanNode> {
  let plan: PlanNode | undefined;
  const rollback = new Error("explain rollback");
  await db
    .tenant(tenantId, async (tx) => {
      const { client } = tenantContextOf(tx);
      const rows = await client.unsafe(
        `explain (analyze, buffers, format json) ${text}`,
        params as never[],
      );
      const output = (rows[0] as Record<string, unknown>)["QUERY PLAN"] as { Plan: PlanNode }[];
      plan = output[0]?.Plan;
      throw rollback;
    })
    .catch((error: unknown) => {
      if (error !== rollback) throw error;
    });
  if (!plan) throw new Error(`EXPLAIN returned no plan for: ${text.slice(0, 120)}`);
  return plan;
}

export class PlanRecorder {
  readonly plans: RecordedPlan[] = [];

  async record(
    db: AppDatabase,
    tenantId: string,
    entry: { figure: string; query: string; sql: string; params: unknown[]; baseline?: boolean },
  ): Promise<RecordedPlan> {
    const plan = await explainInTenant(db, tenantId, entry.sql, entry.params);
    const recorded: RecordedPlan = {
      figure: entry.figure,
      query: entry.query,
      sql: entry.sql,
      plan,
      violations: checkPlan(plan),
      baseline: entry.baseline ?? false,
    };
    this.plans.push(recorded);
    return recorded;
  }

  /** Violations of our path's queries; a non-empty list fails the run. */
  failures(): string[] {
    return this.plans
      .filter((plan) => !plan.baseline)
      .flatMap((plan) => plan.violations.map((v) => `${plan.figure} / ${plan.query}: ${v}`));
  }
}
