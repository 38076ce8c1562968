// After a loan's datapoints change (a tape import, an extraction), finds
// its conflicts and runs its QC rules in the same tenant transaction.
import {
  and,
  eq,
  loanDatapoints,
  sql,
  tenantContextOf,
  type AppDatabase,
  type TenantTransaction,
} from "@tapeline/db";
import { detectConflicts, type ConflictChanges } from "./conflicts/detect-conflicts.ts";
import { checkId } from "./ids.ts";
import { runQc, type QcRunResult } from "./qc/run-qc.ts";

export interface LoanEvaluation {
  loanId: string;
  conflicts: ConflictChanges;
  qc: QcRunResult;
}

/** Detects conflicts, then runs QC, for one loan of the transaction's tenant. */
export async function evaluateLoan(tx: TenantTransaction, loanId: string): Promise<LoanEvaluation> {
  const conflicts = await detectConflicts(tx, loanId);
  const qc = await runQc(tx, loanId);
  return { loanId, conflicts, qc };
}

export interface ImportEvaluation {
  loans: number;
  conflictsOpened: number;
  defectsOpened: number;
  defectsClosed: number;
}

/**
 * Evaluates every loan that has datapoints from `importId`, in one tenant
 * transaction, so a retry after a failure starts from a clean state.
 */
export async function evaluateImportedLoans(
  db: AppDatabase,
  tenantId: string,
  importIdText: string,
  actor: string,
): Promise<ImportEvaluation> {
  const importId = checkId(importIdText, "importId");
  return db.tenant(
    tenantId,
    async (tx) => {
      const { tenantId: tenant } = tenantContextOf(tx);
      const loans = await tx
        .selectDistinct({ loanId: loanDatapoints.loanId })
        .from(loanDatapoints)
        .where(and(eq(loanDatapoints.tenantId, tenant), eq(loanDatapoints.importId, importId)))
        .orderBy(sql`1`);
      const totals: ImportEvaluation = {
        loans: loans.length,
        conflictsOpened: 0,
        defectsOpened: 0,
        defectsClosed: 0,
      };
      for (const { loanId } of loans) {
        const evaluation = await evaluateLoan(tx, loanId);
        totals.conflictsOpened += evaluation.conflicts.opened;
        totals.defectsOpened += evaluation.qc.opened;
        totals.defectsClosed += evaluation.qc.closed;
      }
      return totals;
    },
    { actor },
  );
}
