// Lists a tenant's loans a page at a time, by keyset pagination: each page
// starts after the sort key of the previous page's last row, so pages stay
// stable while loans are added and deep pages cost no OFFSET scan.
import {
  and,
  asc,
  eq,
  loanCandidates,
  sql,
  tenantContextOf,
  type TenantTransaction,
} from "@tapeline/db";
import { checkPageSize, decodeCursor, encodeCursor, type Page } from "./cursor.ts";

export type LoanSort = "created_at" | "loan_number";

export interface ListLoansOptions {
  /** 1 to MAX_PAGE_SIZE; DEFAULT_PAGE_SIZE when absent. */
  limit?: number;
  /** The previous page's nextCursor, made with the same sort. */
  cursor?: string;
  /** `created_at` (oldest first, ties by id) or `loan_number`; default created_at. */
  sort?: LoanSort;
}

export interface LoanSummary {
  id: string;
  loanNumber: string;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * created_at with full microsecond precision. A JavaScript Date keeps only
 * milliseconds, and a cursor rounded to them would skip or repeat loans
 * created in the same millisecond.
 */
const createdAtText = sql<string>`to_char(${loanCandidates.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

type Condition = ReturnType<typeof and>;

function afterCursor(sort: LoanSort, cursor: string | undefined): Condition {
  if (cursor === undefined) return undefined;
  if (sort === "loan_number") {
    const [loanNumber] = decodeCursor(cursor, "loans.loan_number");
    return sql`${loanCandidates.loanNumber} > ${loanNumber}`;
  }
  const [createdAt, id] = decodeCursor(cursor, "loans.created_at");
  return sql`(${loanCandidates.createdAt}, ${loanCandidates.id}) > (${createdAt}::timestamptz, ${id}::uuid)`;
}

/** Returns one page of the transaction's tenant's loans. */
export async function listLoans(
  tx: TenantTransaction,
  options: ListLoansOptions = {},
): Promise<Page<LoanSummary>> {
  const { tenantId } = tenantContextOf(tx);
  const limit = checkPageSize(options.limit);
  const sort = options.sort ?? "created_at";
  const order =
    sort === "loan_number"
      ? [asc(loanCandidates.loanNumber)]
      : [asc(loanCandidates.createdAt), asc(loanCandidates.id)];

  // NOTE: loan_candidates has no (tenant_id, created_at, id) index, so the
  // created_at order sorts all of a tenant's loans for each page. The
  // loan_number order walks the (tenant_id, loan_number) unique index.
  const rows = await tx
    .select({
      id: loanCandidates.id,
      loanNumber: loanCandidates.loanNumber,
      createdAt: loanCandidates.createdAt,
      updatedAt: loanCandidates.updatedAt,
      createdAtText,
    })
    .from(loanCandidates)
    .where(and(eq(loanCandidates.tenantId, tenantId), afterCursor(sort, options.cursor)))
    .orderBy(...order)
    .limit(limit + 1);

  const items = rows.slice(0, limit);
  const last = items.at(-1);
  let nextCursor: string | null = null;
  if (rows.length > limit && last) {
    nextCursor =
      sort === "loan_number"
        ? encodeCursor("loans.loan_number", [last.loanNumber])
        : encodeCursor("loans.created_at", [last.createdAtText, last.id]);
  }
  return {
    items: items.map(({ id, loanNumber, createdAt, updatedAt }) => ({
      id,
      loanNumber,
      createdAt,
      updatedAt,
    })),
    nextCursor,
  };
}
