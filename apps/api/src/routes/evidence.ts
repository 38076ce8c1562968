// A loan's conflicts and QC defects, reviewer decisions on conflicts, and
// QC rules (list global and own, create, retire).
import { createRoute } from "@hono/zod-openapi";
import {
  createRule,
  listConflicts,
  listDefects,
  listRules,
  retireRule,
  reviewConflict,
} from "@tapeline/evidence";
import { authErrorDocs, errorDoc, principalOf, type App, type AppDependencies } from "../context.ts";
import { withEvidenceErrors } from "../evidence-errors.ts";
import {
  ConflictIdParams,
  ConflictListSchema,
  ConflictSchema,
  ConflictStatusQuery,
  DefectListSchema,
  DefectStatusQuery,
  LoanIdParams,
  NewRuleBody,
  ReasonBody,
  RuleIdParams,
  RuleListSchema,
  RuleSchema,
  withIsoDates,
} from "./evidence-schemas.ts";

const json = <T>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

const listConflictsRoute = createRoute({
  method: "get",
  path: "/v1/loans/{loanId}/conflicts",
  tags: ["conflicts"],
  summary: "The loan's conflicts between tape and documents, and between documents",
  security: [{ bearerAuth: [] }],
  request: { params: LoanIdParams, query: ConflictStatusQuery },
  responses: {
    200: json(ConflictListSchema, "Conflicts, oldest first"),
    400: errorDoc("loanId is not a UUID, or an unknown status"),
    ...authErrorDocs,
  },
});

function decisionRoute(action: "resolve" | "waive") {
  return createRoute({
    method: "post",
    path: `/v1/conflicts/{conflictId}/${action}`,
    tags: ["conflicts"],
    summary:
      action === "resolve"
        ? "Resolve an open conflict, with the reviewer's reason"
        : "Waive an open conflict (accept the difference), with the reviewer's reason",
    security: [{ bearerAuth: [] }],
    request: {
      params: ConflictIdParams,
      body: { required: true, content: { "application/json": { schema: ReasonBody } } },
    },
    responses: {
      200: json(ConflictSchema, "The conflict after the decision"),
      400: errorDoc("conflictId is not a UUID, or the reason is missing or too long"),
      404: errorDoc("No such conflict for this tenant"),
      409: errorDoc("The conflict is no longer open"),
      ...authErrorDocs,
    },
  });
}

const listDefectsRoute = createRoute({
  method: "get",
  path: "/v1/loans/{loanId}/defects",
  tags: ["qc"],
  summary: "The loan's QC defects",
  security: [{ bearerAuth: [] }],
  request: { params: LoanIdParams, query: DefectStatusQuery },
  responses: {
    200: json(DefectListSchema, "Defects, oldest first"),
    400: errorDoc("loanId is not a UUID, or an unknown status"),
    ...authErrorDocs,
  },
});

const listRulesRoute = createRoute({
  method: "get",
  path: "/v1/qc-rules",
  tags: ["qc"],
  summary: "The global QC rules and the tenant's own",
  security: [{ bearerAuth: [] }],
  responses: { 200: json(RuleListSchema, "Global rules first, then the tenant's"), ...authErrorDocs },
});

const createRuleRoute = createRoute({
  method: "post",
  path: "/v1/qc-rules",
  tags: ["qc"],
  summary: "Create a tenant QC rule",
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { "application/json": { schema: NewRuleBody } } } },
  responses: {
    201: json(RuleSchema, "The new rule"),
    400: errorDoc("The rule or its definition is invalid"),
    409: errorDoc("The tenant already has a rule with this code"),
    ...authErrorDocs,
  },
});

const retireRuleRoute = createRoute({
  method: "post",
  path: "/v1/qc-rules/{ruleId}/retire",
  tags: ["qc"],
  summary: "Retire a tenant QC rule; its defects are closed and kept",
  security: [{ bearerAuth: [] }],
  request: { params: RuleIdParams },
  responses: {
    200: json(RuleSchema, "The retired rule"),
    403: errorDoc("The rule is global; tenants cannot change it"),
    404: errorDoc("No such rule"),
    409: errorDoc("The rule is already retired"),
    ...authErrorDocs,
  },
});

export function registerEvidenceRoutes(app: App, deps: AppDependencies): void {
  app.openapi(listConflictsRoute, async (c) => {
    const { loanId } = c.req.valid("param");
    const { status } = c.req.valid("query");
    const { tenantId, actor } = principalOf(c);
    const rows = await deps.db.tenant(tenantId, (tx) => listConflicts(tx, loanId, status), { actor });
    return c.json({ items: rows.map((row) => withIsoDates(row)) }, 200);
  });

  for (const action of ["resolve", "waive"] as const) {
    app.openapi(decisionRoute(action), async (c) => {
      const { conflictId } = c.req.valid("param");
      const { reason } = c.req.valid("json");
      const { tenantId, actor } = principalOf(c);
      const status = action === "resolve" ? "resolved" : "waived";
      const row = await withEvidenceErrors(() =>
        deps.db.tenant(tenantId, (tx) => reviewConflict(tx, conflictId, { status, reason }), { actor }),
      );
      return c.json(withIsoDates(row), 200);
    });
  }

  app.openapi(listDefectsRoute, async (c) => {
    const { loanId } = c.req.valid("param");
    const { status } = c.req.valid("query");
    const { tenantId, actor } = principalOf(c);
    const rows = await deps.db.tenant(tenantId, (tx) => listDefects(tx, loanId, status), { actor });
    return c.json({ items: rows.map((row) => withIsoDates(row)) }, 200);
  });

  app.openapi(listRulesRoute, async (c) => {
    const { tenantId, actor } = principalOf(c);
    const rules = await deps.db.tenant(tenantId, (tx) => listRules(tx), { actor });
    return c.json({ items: rules.map((rule) => withIsoDates(rule)) }, 200);
  });

  app.openapi(createRuleRoute, async (c) => {
    const body = c.req.valid("json");
    const { tenantId, actor } = principalOf(c);
    const rule = await withEvidenceErrors(() =>
      deps.db.tenant(tenantId, (tx) => createRule(tx, body), { actor }),
    );
    return c.json(withIsoDates(rule), 201);
  });

  app.openapi(retireRuleRoute, async (c) => {
    const { ruleId } = c.req.valid("param");
    const { tenantId, actor } = principalOf(c);
    const rule = await withEvidenceErrors(() =>
      deps.db.tenant(tenantId, (tx) => retireRule(tx, ruleId), { actor }),
    );
    return c.json(withIsoDates(rule), 200);
  });
}
