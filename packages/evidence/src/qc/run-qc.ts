// Runs the active QC rules (the tenant's own and the global ones) for one
// loan and keeps qc_defects in step: a failing rule has exactly one open
// defect per loan, a rule that passes, no longer applies or was retired
// has its open defect closed. Defects are never deleted, so a retired
// rule's history stays. Each change writes `defect.opened` or
// `defect.closed` to the outbox.
import {
  and,
  enqueueEvent,
  eq,
  GLOBAL_TENANT_ID,
  inArray,
  loanDatapoints,
  qcDefects,
  qcRules,
  tenantContextOf,
  type TenantTransaction,
} from "@tapeline/db";
import { evaluateRule, type EvaluatedDatapoint } from "./evaluate-rule.ts";
import { ruleDefinitionSchema } from "./rule-definition.ts";

type RuleRow = typeof qcRules.$inferSelect;
type DefectRow = typeof qcDefects.$inferSelect;

export interface QcRunResult {
  rulesEvaluated: number;
  opened: number;
  closed: number;
  /** Open defects after the run. */
  openDefects: number;
  /** Codes of active rules whose stored definition no longer validates; they were skipped. */
  invalidRules: string[];
}

async function readActiveRules(tx: TenantTransaction, tenantId: string) {
  return tx
    .select()
    .from(qcRules)
    .where(
      and(
        inArray(qcRules.tenantId, [tenantId, GLOBAL_TENANT_ID]),
        eq(qcRules.status, "active"),
      ),
    );
}

async function readDatapoints(
  tx: TenantTransaction,
  tenantId: string,
  loanId: string,
): Promise<EvaluatedDatapoint[]> {
  return tx
    .select({
      id: loanDatapoints.id,
      key: loanDatapoints.key,
      source: loanDatapoints.source,
      value: loanDatapoints.value,
      valueNumber: loanDatapoints.valueNumber,
      confidence: loanDatapoints.confidence,
    })
    .from(loanDatapoints)
    .where(and(eq(loanDatapoints.tenantId, tenantId), eq(loanDatapoints.loanId, loanId)));
}

async function openDefect(
  tx: TenantTransaction,
  loanId: string,
  rule: RuleRow,
  details: Record<string, unknown>,
): Promise<boolean> {
  const { tenantId } = tenantContextOf(tx);
  const [row] = await tx
    .insert(qcDefects)
    .values({
      tenantId,
      loanId,
      ruleTenantId: rule.tenantId,
      ruleId: rule.id,
      severity: rule.severity,
      message: rule.message,
      details,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) return false;

  await enqueueEvent(tx, {
    type: "defect.opened",
    aggregateType: "loan",
    aggregateId: loanId,
    payload: {
      defectId: row.id,
      loanId,
      ruleId: rule.id,
      ruleCode: rule.code,
      severity: rule.severity,
      message: rule.message,
    },
  });
  return true;
}

async function closeDefect(
  tx: TenantTransaction,
  defect: DefectRow,
  reason: "passed" | "not_applicable" | "rule_retired",
): Promise<void> {
  const { tenantId } = tenantContextOf(tx);
  await tx
    .update(qcDefects)
    .set({ status: "closed", closedAt: new Date() })
    .where(and(eq(qcDefects.tenantId, tenantId), eq(qcDefects.id, defect.id)));
  await enqueueEvent(tx, {
    type: "defect.closed",
    aggregateType: "loan",
    aggregateId: defect.loanId,
    payload: { defectId: defect.id, loanId: defect.loanId, ruleId: defect.ruleId, reason },
  });
}

/** Evaluates every active rule for the loan inside the caller's tenant transaction. */
export async function runQc(tx: TenantTransaction, loanId: string): Promise<QcRunResult> {
  const { tenantId } = tenantContextOf(tx);
  const rules = await readActiveRules(tx, tenantId);
  const datapoints = await readDatapoints(tx, tenantId, loanId);
  const defects = await tx
    .select()
    .from(qcDefects)
    .where(
      and(
        eq(qcDefects.tenantId, tenantId),
        eq(qcDefects.loanId, loanId),
        eq(qcDefects.status, "open"),
      ),
    );
  const openByRule = new Map(defects.map((defect) => [defect.ruleId, defect]));
  const result: QcRunResult = {
    rulesEvaluated: 0,
    opened: 0,
    closed: 0,
    openDefects: 0,
    invalidRules: [],
  };

  for (const rule of rules) {
    const definition = ruleDefinitionSchema.safeParse(rule.definition);
    if (!definition.success) {
      result.invalidRules.push(rule.code);
      continue;
    }
    result.rulesEvaluated += 1;
    const outcome = evaluateRule(definition.data, datapoints);
    const open = openByRule.get(rule.id);
    openByRule.delete(rule.id);
    if (outcome.result === "fail") {
      if (open) {
        result.openDefects += 1;
      } else if (await openDefect(tx, loanId, rule, outcome.details)) {
        result.opened += 1;
        result.openDefects += 1;
      }
    } else if (open) {
      await closeDefect(tx, open, outcome.result === "pass" ? "passed" : "not_applicable");
      result.closed += 1;
    }
  }

  // What is left belongs to rules that are no longer active.
  for (const defect of openByRule.values()) {
    const ruleSkipped = rules.some((rule) => rule.id === defect.ruleId);
    if (ruleSkipped) {
      result.openDefects += 1;
      continue;
    }
    await closeDefect(tx, defect, "rule_retired");
    result.closed += 1;
  }
  return result;
}
