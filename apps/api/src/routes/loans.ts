// GET /v1/loans and GET /v1/loans/{loanId}.
import { createRoute } from "@hono/zod-openapi";
import { getLoan, listLoans, type LoanDetail, type LoanSummary } from "@tapeline/core/loans";
import { authErrorDocs, errorDoc, principalOf, type App, type AppDependencies } from "../context.ts";
import { ApiError } from "../errors.ts";
import {
  ListLoansQuerySchema,
  LoanDetailSchema,
  LoanPageSchema,
  LoanParamsSchema,
} from "../schemas.ts";

const listLoansRoute = createRoute({
  method: "get",
  path: "/v1/loans",
  tags: ["loans"],
  summary: "List the tenant's loans, one page at a time",
  security: [{ bearerAuth: [] }],
  request: { query: ListLoansQuerySchema },
  responses: {
    200: {
      description: "A page of loans; pass nextCursor back as cursor for the next page",
      content: { "application/json": { schema: LoanPageSchema } },
    },
    400: errorDoc("Invalid limit, sort or cursor"),
    ...authErrorDocs,
  },
});

const getLoanRoute = createRoute({
  method: "get",
  path: "/v1/loans/{loanId}",
  tags: ["loans"],
  summary: "One loan with its datapoints and their lineage",
  security: [{ bearerAuth: [] }],
  request: { params: LoanParamsSchema },
  responses: {
    200: {
      description: "The loan, its datapoints ordered by key, and each one's lineage",
      content: { "application/json": { schema: LoanDetailSchema } },
    },
    400: errorDoc("loanId is not a UUID"),
    404: errorDoc("No such loan for this tenant"),
    ...authErrorDocs,
  },
});

function serializeSummary(loan: LoanSummary) {
  return {
    id: loan.id,
    loanNumber: loan.loanNumber,
    createdAt: loan.createdAt.toISOString(),
    updatedAt: loan.updatedAt.toISOString(),
  };
}

function serializeDetail(loan: LoanDetail) {
  return {
    ...serializeSummary(loan),
    datapoints: loan.datapoints.map((datapoint) => ({
      ...datapoint,
      lineage: { ...datapoint.lineage, createdAt: datapoint.lineage.createdAt.toISOString() },
    })),
  };
}

export function registerLoanRoutes(app: App, deps: AppDependencies): void {
  app.openapi(listLoansRoute, async (c) => {
    const query = c.req.valid("query");
    const { tenantId, actor } = principalOf(c);
    const page = await deps.db.tenant(tenantId, (tx) => listLoans(tx, query), { actor });
    return c.json({ items: page.items.map(serializeSummary), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(getLoanRoute, async (c) => {
    const { loanId } = c.req.valid("param");
    const { tenantId, actor } = principalOf(c);
    const loan = await deps.db.tenant(tenantId, (tx) => getLoan(tx, loanId), { actor });
    // Another tenant's loan is invisible under row-level security, so it
    // gets this same response: nothing reveals that it exists.
    if (!loan) throw new ApiError(404, "LOAN_NOT_FOUND", `No loan with id ${loanId}.`);
    return c.json(serializeDetail(loan), 200);
  });
}
