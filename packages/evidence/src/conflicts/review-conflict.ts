// Reviewers settle a conflict: resolved (the right value is known) or
// waived (the difference is accepted), always with a reason. The audit
// trigger on loan_conflicts records who changed what, and a
// `conflict.resolved` event notifies subscribers.
import {
  and,
  asc,
  enqueueEvent,
  eq,
  loanConflicts,
  tenantContextOf,
  type TenantTransaction,
} from "@tapeline/db";
import { EvidenceError } from "../errors.ts";
import { checkId, checkReason } from "../ids.ts";

type ConflictRow = typeof loanConflicts.$inferSelect;

export interface ConflictRecord {
  id: string;
  loanId: string;
  key: string;
  kind: ConflictRow["kind"];
  leftDatapointId: string;
  rightDatapointId: string;
  leftValue: string;
  rightValue: string;
  status: ConflictRow["status"];
  resolutionReason: string | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  createdAt: Date;
}

export function conflictRecordOf(row: ConflictRow): ConflictRecord {
  const record: Partial<ConflictRow> = { ...row };
  delete record.tenantId;
  return record as ConflictRecord;
}

/**
 * Marks an open conflict `resolved` or `waived` with the reviewer's reason.
 * The reviewer is the transaction's actor. Throws EvidenceError when the
 * conflict does not exist (not_found) or is no longer open (conflict).
 */
export async function reviewConflict(
  tx: TenantTransaction,
  conflictIdText: string,
  decision: { status: "resolved" | "waived"; reason: unknown },
): Promise<ConflictRecord> {
  const { tenantId, actor } = tenantContextOf(tx);
  const conflictId = checkId(conflictIdText, "conflictId");
  const reason = checkReason(decision.reason);

  const [current] = await tx
    .select()
    .from(loanConflicts)
    .where(and(eq(loanConflicts.tenantId, tenantId), eq(loanConflicts.id, conflictId)))
    .for("update");
  if (!current) {
    throw new EvidenceError("not_found", "CONFLICT_NOT_FOUND", `No conflict with id ${conflictId}.`);
  }
  if (current.status !== "open") {
    throw new EvidenceError(
      "conflict",
      "CONFLICT_NOT_OPEN",
      `Conflict ${conflictId} is already ${current.status}; only an open conflict can be ` +
        "resolved or waived.",
      { conflictId },
    );
  }

  const [row] = await tx
    .update(loanConflicts)
    .set({
      status: decision.status,
      resolutionReason: reason,
      resolvedBy: actor || "unknown",
      resolvedAt: new Date(),
    })
    .where(and(eq(loanConflicts.tenantId, tenantId), eq(loanConflicts.id, conflictId)))
    .returning();
  if (!row) throw new Error("loan_conflicts update returned no row");

  await enqueueEvent(tx, {
    type: "conflict.resolved",
    aggregateType: "loan",
    aggregateId: row.loanId,
    payload: {
      conflictId,
      loanId: row.loanId,
      key: row.key,
      kind: row.kind,
      status: decision.status,
      reason,
      resolvedBy: row.resolvedBy,
    },
  });
  return conflictRecordOf(row);
}

/** Returns the loan's conflicts, oldest first, optionally only those of one status. */
export async function listConflicts(
  tx: TenantTransaction,
  loanIdText: string,
  status?: ConflictRow["status"],
): Promise<ConflictRecord[]> {
  const { tenantId } = tenantContextOf(tx);
  const loanId = checkId(loanIdText, "loanId");
  const filters = [eq(loanConflicts.tenantId, tenantId), eq(loanConflicts.loanId, loanId)];
  if (status) filters.push(eq(loanConflicts.status, status));
  const rows = await tx
    .select()
    .from(loanConflicts)
    .where(and(...filters))
    .orderBy(asc(loanConflicts.createdAt), asc(loanConflicts.id));
  return rows.map(conflictRecordOf);
}
