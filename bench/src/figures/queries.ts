// The tenant queries the database figures run, built with Drizzle as
// product code builds them. Baselines send the very same SQL text through
// raw postgres.js, so only the path around the query differs.
import {
  and,
  asc,
  eq,
  gt,
  loanCandidates,
  loanDatapoints,
  prepareTenantQuery,
  sql,
  type TenantTransaction,
} from "@tapeline/db";
import type { Placeholder } from "drizzle-orm";

/** A query value: a literal, or a placeholder filled when a prepared query runs. */
type Value = string | Placeholder;

/** Either a tenant transaction or the connection-less builder of prepareTenantQuery. */
type QueryBuilder = Pick<TenantTransaction, "select">;

export const PAGE_SIZE = 50;

/**
 * A page of 50 loans after a loan number, each joined to its tape loan
 * amount: the (tenant_id, loan_number) index walk plus one index probe
 * per loan on (tenant_id, loan_id, key).
 */
function selectLoanPage(db: QueryBuilder, tenantId: Value, afterLoanNumber: Value) {
  return db
    .select({
      id: loanCandidates.id,
      loanNumber: loanCandidates.loanNumber,
      createdAt: loanCandidates.createdAt,
      loanAmount: loanDatapoints.value,
    })
    .from(loanCandidates)
    .leftJoin(
      loanDatapoints,
      and(
        eq(loanDatapoints.tenantId, loanCandidates.tenantId),
        eq(loanDatapoints.loanId, loanCandidates.id),
        eq(loanDatapoints.key, "loan_amount"),
        eq(loanDatapoints.source, "tape"),
      ),
    )
    .where(
      and(eq(loanCandidates.tenantId, tenantId), gt(loanCandidates.loanNumber, afterLoanNumber)),
    )
    .orderBy(asc(loanCandidates.loanNumber))
    .limit(PAGE_SIZE);
}

export function loanPageQuery(tx: TenantTransaction, tenantId: string, afterLoanNumber: string) {
  return selectLoanPage(tx, tenantId, afterLoanNumber);
}

/** The same page rendered once; run with `{ after }`. */
export const loanPage = prepareTenantQuery((db) =>
  selectLoanPage(db, sql.placeholder("tenantId"), sql.placeholder("after")).prepare(
    "bench_loan_page",
  ),
);

/** Tenant-wide aggregate with no tenant filter: row-level security supplies it. */
export const SCAN_UNFILTERED =
  "select key, count(*)::int as datapoints, avg(value_number) as mean " +
  "from loan_datapoints group by key order by key";

/** The same aggregate with the tenant as a literal, for a role that bypasses RLS. */
export function scanWithLiteralTenant(tenantId: string): string {
  if (!/^[0-9a-f-]{36}$/.test(tenantId)) throw new Error(`Invalid tenant id ${tenantId}`);
  return (
    "select key, count(*)::int as datapoints, avg(value_number) as mean " +
    `from loan_datapoints where tenant_id = '${tenantId}' group by key order by key`
  );
}
