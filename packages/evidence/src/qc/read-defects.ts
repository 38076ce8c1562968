// Reads a loan's QC defects with the code of the rule that raised each.
import { and, asc, eq, qcDefects, qcRules, tenantContextOf, type TenantTransaction } from "@tapeline/db";
import { checkId } from "../ids.ts";

type DefectRow = typeof qcDefects.$inferSelect;

export interface DefectRecord {
  id: string;
  loanId: string;
  ruleId: string;
  ruleCode: string;
  status: DefectRow["status"];
  severity: DefectRow["severity"];
  message: string;
  details: unknown;
  createdAt: Date;
  closedAt: Date | null;
}

/** Returns the loan's defects, oldest first, optionally only open or only closed ones. */
export async function listDefects(
  tx: TenantTransaction,
  loanIdText: string,
  status?: DefectRow["status"],
): Promise<DefectRecord[]> {
  const { tenantId } = tenantContextOf(tx);
  const loanId = checkId(loanIdText, "loanId");
  const filters = [eq(qcDefects.tenantId, tenantId), eq(qcDefects.loanId, loanId)];
  if (status) filters.push(eq(qcDefects.status, status));
  return tx
    .select({
      id: qcDefects.id,
      loanId: qcDefects.loanId,
      ruleId: qcDefects.ruleId,
      ruleCode: qcRules.code,
      status: qcDefects.status,
      severity: qcDefects.severity,
      message: qcDefects.message,
      details: qcDefects.details,
      createdAt: qcDefects.createdAt,
      closedAt: qcDefects.closedAt,
    })
    .from(qcDefects)
    .innerJoin(
      qcRules,
      and(eq(qcRules.tenantId, qcDefects.ruleTenantId), eq(qcRules.id, qcDefects.ruleId)),
    )
    .where(and(...filters))
    .orderBy(asc(qcDefects.createdAt), asc(qcDefects.id));
}
