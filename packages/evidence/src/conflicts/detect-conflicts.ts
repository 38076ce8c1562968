// Finds where a loan's values disagree and keeps loan_conflicts in step:
// tape against document per key, and document against document per
// comparison key. For each (loan, key, kind) at most one conflict is open.
// Running again with the same datapoints changes nothing. When the values
// agree again, the open conflict is resolved. A conflict that a reviewer
// resolved or waived is not reopened for the same pair of datapoints.
import {
  and,
  asc,
  enqueueEvent,
  eq,
  loanConflicts,
  loanDatapoints,
  tenantContextOf,
  type TenantTransaction,
} from "@tapeline/db";
import { documentComparisonKey, TAPE_COMPARISON_EXCLUDED, valuesAgree } from "./tolerance.ts";

type DatapointRow = typeof loanDatapoints.$inferSelect;
type ConflictRow = typeof loanConflicts.$inferSelect;
type ConflictKind = ConflictRow["kind"];

interface Difference {
  key: string;
  kind: ConflictKind;
  left: DatapointRow;
  right: DatapointRow;
}

export interface ConflictChanges {
  opened: number;
  resolved: number;
}

/** The newest datapoint per key among `rows`, which are ordered oldest first. */
function newestByKey(rows: readonly DatapointRow[]): Map<string, DatapointRow> {
  const newest = new Map<string, DatapointRow>();
  for (const row of rows) newest.set(row.key, row);
  return newest;
}

/** Each document's newest datapoint per key, newest documents' values first. */
function documentValues(rows: readonly DatapointRow[]): DatapointRow[] {
  const byDocument = new Map<string, DatapointRow[]>();
  for (const row of rows) {
    if (row.source !== "extraction" || !row.evidenceDocId) continue;
    const list = byDocument.get(row.evidenceDocId) ?? [];
    list.push(row);
    byDocument.set(row.evidenceDocId, list);
  }
  const values = [...byDocument.values()].flatMap((list) => [...newestByKey(list).values()]);
  return values.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

function tapeDifferences(rows: readonly DatapointRow[], documents: DatapointRow[]) {
  const tape = newestByKey(rows.filter((row) => row.source === "tape"));
  const differences = new Map<string, Difference>();
  for (const [key, tapeValue] of tape) {
    if (TAPE_COMPARISON_EXCLUDED.has(key)) continue;
    const differing = documents.find(
      (document) => document.key === key && !valuesAgree(key, tapeValue, document),
    );
    if (differing) {
      differences.set(key, { key, kind: "tape_document", left: tapeValue, right: differing });
    }
  }
  return differences;
}

function documentDifferences(documents: DatapointRow[]) {
  const differences = new Map<string, Difference>();
  const newest = new Map<string, DatapointRow>();
  for (const document of documents) {
    const key = documentComparisonKey(document.key);
    const latest = newest.get(key);
    if (!latest) {
      newest.set(key, document);
      continue;
    }
    const sameDocument = latest.evidenceDocId === document.evidenceDocId;
    if (differences.has(key) || sameDocument) continue;
    if (!valuesAgree(latest.key, latest, document)) {
      differences.set(key, { key, kind: "document_document", left: document, right: latest });
    }
  }
  return differences;
}

async function readLoan(tx: TenantTransaction, tenantId: string, loanId: string) {
  const datapoints = await tx
    .select()
    .from(loanDatapoints)
    .where(and(eq(loanDatapoints.tenantId, tenantId), eq(loanDatapoints.loanId, loanId)))
    .orderBy(asc(loanDatapoints.createdAt), asc(loanDatapoints.importRowNumber));
  const conflicts = await tx
    .select()
    .from(loanConflicts)
    .where(and(eq(loanConflicts.tenantId, tenantId), eq(loanConflicts.loanId, loanId)));
  return { datapoints, conflicts };
}

const conflictKey = (key: string, kind: ConflictKind) => `${kind}:${key}`;

function samePair(conflict: ConflictRow, difference: Difference): boolean {
  return (
    conflict.leftDatapointId === difference.left.id &&
    conflict.rightDatapointId === difference.right.id
  );
}

async function resolveAutomatically(
  tx: TenantTransaction,
  conflict: ConflictRow,
  reason: string,
): Promise<void> {
  const { tenantId, actor } = tenantContextOf(tx);
  await tx
    .update(loanConflicts)
    .set({
      status: "resolved",
      resolutionReason: reason,
      resolvedBy: actor || "system",
      resolvedAt: new Date(),
    })
    .where(and(eq(loanConflicts.tenantId, tenantId), eq(loanConflicts.id, conflict.id)));
  await enqueueEvent(tx, {
    type: "conflict.resolved",
    aggregateType: "loan",
    aggregateId: conflict.loanId,
    payload: {
      conflictId: conflict.id,
      loanId: conflict.loanId,
      key: conflict.key,
      kind: conflict.kind,
      status: "resolved",
      reason,
    },
  });
}

async function openConflict(
  tx: TenantTransaction,
  loanId: string,
  difference: Difference,
): Promise<boolean> {
  const { tenantId } = tenantContextOf(tx);
  const [row] = await tx
    .insert(loanConflicts)
    .values({
      tenantId,
      loanId,
      key: difference.key,
      kind: difference.kind,
      leftDatapointId: difference.left.id,
      rightDatapointId: difference.right.id,
      leftValue: difference.left.value,
      rightValue: difference.right.value,
    })
    .onConflictDoNothing()
    .returning();
  // Nothing inserted: a concurrent run opened the same conflict first.
  if (!row) return false;

  await enqueueEvent(tx, {
    type: "conflict.opened",
    aggregateType: "loan",
    aggregateId: loanId,
    payload: {
      conflictId: row.id,
      loanId,
      key: row.key,
      kind: row.kind,
      leftDatapointId: row.leftDatapointId,
      rightDatapointId: row.rightDatapointId,
      leftValue: row.leftValue,
      rightValue: row.rightValue,
    },
  });
  return true;
}

/**
 * Compares the loan's tape and document datapoints and opens, keeps or
 * resolves its conflicts, writing `conflict.opened` and
 * `conflict.resolved` events. Runs inside the caller's tenant transaction.
 */
export async function detectConflicts(
  tx: TenantTransaction,
  loanId: string,
): Promise<ConflictChanges> {
  const { tenantId } = tenantContextOf(tx);
  const { datapoints, conflicts } = await readLoan(tx, tenantId, loanId);
  const documents = documentValues(datapoints);
  const differences = new Map<string, Difference>();
  for (const found of [...tapeDifferences(datapoints, documents).values(),
    ...documentDifferences(documents).values()]) {
    differences.set(conflictKey(found.key, found.kind), found);
  }

  const changes: ConflictChanges = { opened: 0, resolved: 0 };
  const open = new Map(
    conflicts
      .filter((conflict) => conflict.status === "open")
      .map((conflict) => [conflictKey(conflict.key, conflict.kind), conflict]),
  );
  for (const [name, conflict] of open) {
    const difference = differences.get(name);
    if (difference && samePair(conflict, difference)) continue;
    const reason = difference
      ? `Superseded: ${difference.left.value} against ${difference.right.value} is the current difference.`
      : "The values now agree.";
    await resolveAutomatically(tx, conflict, reason);
    changes.resolved += 1;
  }

  for (const [name, difference] of differences) {
    const current = open.get(name);
    if (current && samePair(current, difference)) continue;
    const settled = conflicts.some(
      (conflict) => conflict.status !== "open" && samePair(conflict, difference),
    );
    if (settled) continue;
    if (await openConflict(tx, loanId, difference)) changes.opened += 1;
  }
  return changes;
}
