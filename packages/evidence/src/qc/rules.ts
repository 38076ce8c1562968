// Managing QC rules: list the global and the tenant's own, create a tenant
// rule, retire one. Global rules are readable by every tenant; row-level
// security rejects any change to them by the application role, and
// retireRule says so before trying.
import {
  and,
  asc,
  enqueueEvent,
  eq,
  GLOBAL_TENANT_ID,
  inArray,
  qcDefects,
  qcRules,
  SqlState,
  tenantContextOf,
  type TenantTransaction,
} from "@tapeline/db";
import { z } from "zod";
import { databaseErrorOf, EvidenceError } from "../errors.ts";
import { checkId } from "../ids.ts";
import { describeDefinitionProblems, type RuleDefinition } from "./rule-definition.ts";

type RuleRow = typeof qcRules.$inferSelect;

export interface RuleRecord {
  id: string;
  code: string;
  name: string;
  /** `global` for rules shipped with the product, `tenant` for the tenant's own. */
  scope: "global" | "tenant";
  definition: RuleDefinition;
  severity: RuleRow["severity"];
  message: string;
  status: RuleRow["status"];
  createdAt: Date;
  retiredAt: Date | null;
}

export interface NewRule {
  code: string;
  name: string;
  severity: RuleRow["severity"];
  message: string;
  definition: unknown;
}

const newRuleSchema = z.strictObject({
  code: z
    .string()
    .regex(/^[a-z][a-z0-9_]{1,63}$/, "use 2 to 64 lower-case letters, digits and underscores"),
  name: z.string().trim().min(1).max(200),
  severity: z.enum(["info", "warning", "critical"]),
  message: z.string().trim().min(1).max(500),
  definition: z.unknown(),
});

function recordOf(row: RuleRow): RuleRecord {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    scope: row.tenantId === GLOBAL_TENANT_ID ? "global" : "tenant",
    definition: row.definition as RuleDefinition,
    severity: row.severity,
    message: row.message,
    status: row.status,
    createdAt: row.createdAt,
    retiredAt: row.retiredAt,
  };
}

/** Returns the global rules and the tenant's own, global first, each by code. */
export async function listRules(tx: TenantTransaction): Promise<RuleRecord[]> {
  const { tenantId } = tenantContextOf(tx);
  const rows = await tx
    .select()
    .from(qcRules)
    .where(inArray(qcRules.tenantId, [tenantId, GLOBAL_TENANT_ID]))
    .orderBy(asc(qcRules.code));
  const records = rows.map(recordOf);
  return [
    ...records.filter((rule) => rule.scope === "global"),
    ...records.filter((rule) => rule.scope === "tenant"),
  ];
}

function invalidRule(message: string): EvidenceError {
  return new EvidenceError("invalid", "INVALID_RULE", message);
}

/** Validates and stores a tenant rule. Throws EvidenceError for an invalid rule or a taken code. */
export async function createRule(tx: TenantTransaction, input: unknown): Promise<RuleRecord> {
  const { tenantId } = tenantContextOf(tx);
  const parsed = newRuleSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidRule(`Invalid rule ${issue?.path.join(".") || "body"}: ${issue?.message}.`);
  }
  const problems = describeDefinitionProblems(parsed.data.definition);
  if (problems) throw invalidRule(`Invalid rule definition: ${problems}.`);

  try {
    const [row] = await tx
      .insert(qcRules)
      .values({ tenantId, ...parsed.data, definition: parsed.data.definition as object })
      .returning();
    if (!row) throw new Error("qc_rules insert returned no row");
    return recordOf(row);
  } catch (error) {
    if (databaseErrorOf(error)?.code === SqlState.uniqueViolation) {
      throw new EvidenceError(
        "conflict",
        "RULE_CODE_TAKEN",
        `A rule with code ${parsed.data.code} already exists for this tenant; choose another code.`,
      );
    }
    throw error;
  }
}

/**
 * Retires one of the tenant's rules and closes its open defects, which
 * stay in qc_defects as history. Throws EvidenceError for an unknown rule,
 * a global rule (forbidden) or a rule already retired (conflict).
 */
export async function retireRule(tx: TenantTransaction, ruleIdText: string): Promise<RuleRecord> {
  const { tenantId } = tenantContextOf(tx);
  const ruleId = checkId(ruleIdText, "ruleId");
  const [rule] = await tx
    .select()
    .from(qcRules)
    .where(and(inArray(qcRules.tenantId, [tenantId, GLOBAL_TENANT_ID]), eq(qcRules.id, ruleId)));
  if (!rule) throw new EvidenceError("not_found", "RULE_NOT_FOUND", `No rule with id ${ruleId}.`);
  if (rule.tenantId === GLOBAL_TENANT_ID) {
    throw new EvidenceError(
      "forbidden",
      "GLOBAL_RULE_READ_ONLY",
      `Rule ${rule.code} is a global rule and cannot be retired by a tenant; ` +
        "create a tenant rule instead if it does not fit your loans.",
    );
  }
  if (rule.status === "retired") {
    throw new EvidenceError("conflict", "RULE_RETIRED", `Rule ${rule.code} is already retired.`);
  }

  const [row] = await tx
    .update(qcRules)
    .set({ status: "retired", retiredAt: new Date() })
    .where(and(eq(qcRules.tenantId, tenantId), eq(qcRules.id, ruleId)))
    .returning();
  if (!row) throw new Error("qc_rules update returned no row");

  const closed = await tx
    .update(qcDefects)
    .set({ status: "closed", closedAt: new Date() })
    .where(
      and(eq(qcDefects.tenantId, tenantId), eq(qcDefects.ruleId, ruleId), eq(qcDefects.status, "open")),
    )
    .returning();
  for (const defect of closed) {
    await enqueueEvent(tx, {
      type: "defect.closed",
      aggregateType: "loan",
      aggregateId: defect.loanId,
      payload: { defectId: defect.id, loanId: defect.loanId, ruleId, reason: "rule_retired" },
    });
  }
  return recordOf(row);
}
