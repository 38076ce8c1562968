// One loan with every datapoint and its lineage: the tape row that carried
// the value, or the document page an extractor read it from, and who or
// what produced it.
import {
  and,
  asc,
  eq,
  loanCandidates,
  loanDatapoints,
  loanDocuments,
  prepareTenantQuery,
  sql,
  type TenantTransaction,
} from "@tapeline/db";
import { checkId } from "./errors.ts";
import type { LoanSummary } from "./list-loans.ts";

export interface DatapointLineage {
  source: "extraction" | "tape" | "manual";
  /** 0 to 1, for extracted values; null otherwise. */
  confidence: number | null;
  /** The document page the value was read from; null for tape and manual values. */
  evidence: {
    documentId: string;
    fileName: string | null;
    page: number | null;
    /** SHA-256 hex of the evidence text. */
    textHash: string | null;
    /** The evidence text; null on datapoints extracted before it was stored. */
    text: string | null;
  } | null;
  extractor: {
    kind: "deterministic" | "model" | null;
    version: string | null;
    /** Set exactly when the extractor is model-based. */
    promptVersion: string | null;
  } | null;
  /** The tape row the value came from; null for extracted and manual values. */
  import: { importId: string; rowNumber: number | null } | null;
  createdBy: string | null;
  createdAt: Date;
}

export interface LoanDatapoint {
  id: string;
  key: string;
  /** Canonical text form from the field dictionary. */
  value: string;
  /** The value as a decimal string, for numeric fields; else null. */
  valueNumber: string | null;
  lineage: DatapointLineage;
}

export interface LoanDetail extends LoanSummary {
  datapoints: LoanDatapoint[];
}

// Both reads are rendered once; the transaction supplies the tenant id.
const loanById = prepareTenantQuery((db) =>
  db
    .select({
      id: loanCandidates.id,
      loanNumber: loanCandidates.loanNumber,
      createdAt: loanCandidates.createdAt,
      updatedAt: loanCandidates.updatedAt,
    })
    .from(loanCandidates)
    .where(
      and(
        eq(loanCandidates.tenantId, sql.placeholder("tenantId")),
        eq(loanCandidates.id, sql.placeholder("loanId")),
      ),
    )
    .prepare("get_loan"),
);

const datapointsOfLoan = prepareTenantQuery((db) =>
  db
    .select({
      id: loanDatapoints.id,
      key: loanDatapoints.key,
      value: loanDatapoints.value,
      valueNumber: loanDatapoints.valueNumber,
      source: loanDatapoints.source,
      confidence: loanDatapoints.confidence,
      evidenceDocId: loanDatapoints.evidenceDocId,
      evidenceFileName: loanDocuments.fileName,
      evidencePage: loanDatapoints.evidencePage,
      evidenceTextHash: loanDatapoints.evidenceTextHash,
      evidenceText: loanDatapoints.evidenceText,
      extractorKind: loanDatapoints.extractorKind,
      extractorVersion: loanDatapoints.extractorVersion,
      promptVersion: loanDatapoints.promptVersion,
      importId: loanDatapoints.importId,
      importRowNumber: loanDatapoints.importRowNumber,
      createdBy: loanDatapoints.createdBy,
      createdAt: loanDatapoints.createdAt,
    })
    .from(loanDatapoints)
    .leftJoin(
      loanDocuments,
      and(
        eq(loanDocuments.tenantId, loanDatapoints.tenantId),
        eq(loanDocuments.id, loanDatapoints.evidenceDocId),
      ),
    )
    .where(
      and(
        eq(loanDatapoints.tenantId, sql.placeholder("tenantId")),
        eq(loanDatapoints.loanId, sql.placeholder("loanId")),
      ),
    )
    .orderBy(
      asc(loanDatapoints.key),
      asc(loanDatapoints.source),
      asc(loanDatapoints.createdAt),
      asc(loanDatapoints.id),
    )
    .prepare("get_loan_datapoints"),
);

type DatapointRow = Awaited<ReturnType<typeof datapointsOfLoan.execute>>[number];

/** getLoan's two statements; in each, $1 is the tenant id and $2 the loan id. */
export const getLoanQueries = { loan: loanById, datapoints: datapointsOfLoan };

function toDatapoint(row: DatapointRow): LoanDatapoint {
  const hasExtractor = row.extractorKind !== null || row.extractorVersion !== null;
  return {
    id: row.id,
    key: row.key,
    value: row.value,
    valueNumber: row.valueNumber,
    lineage: {
      source: row.source,
      confidence: row.confidence === null ? null : Number(row.confidence),
      evidence:
        row.evidenceDocId === null
          ? null
          : {
              documentId: row.evidenceDocId,
              fileName: row.evidenceFileName,
              page: row.evidencePage,
              textHash: row.evidenceTextHash,
              text: row.evidenceText,
            },
      extractor: hasExtractor
        ? {
            kind: row.extractorKind,
            version: row.extractorVersion,
            promptVersion: row.promptVersion,
          }
        : null,
      import:
        row.importId === null ? null : { importId: row.importId, rowNumber: row.importRowNumber },
      createdBy: row.createdBy,
      createdAt: row.createdAt,
    },
  };
}

/**
 * Returns the loan with its datapoints ordered by key, or null when the
 * transaction's tenant has no loan with this id (another tenant's loan is
 * null too: row-level security hides it). Throws InvalidReadRequestError for
 * a malformed id.
 */
export async function getLoan(tx: TenantTransaction, loanId: string): Promise<LoanDetail | null> {
  const id = checkId(loanId, "loanId");

  // Both statements are sent together: postgres.js pipelines them on the
  // transaction's connection, so the read costs one round trip. A missing
  // loan has no datapoints, and the second statement then returns none.
  const [[loan], rows] = await Promise.all([
    loanById.execute(tx, { loanId: id }),
    datapointsOfLoan.execute(tx, { loanId: id }),
  ]);
  if (!loan) return null;

  return { ...loan, datapoints: rows.map(toDatapoint) };
}
