// Read queries for a loan's documents and the datapoints extracted from
// them. Each runs inside the caller's tenant transaction; another tenant's
// rows are invisible under row-level security, and the queries filter on
// tenant_id as well.
import {
  and,
  asc,
  eq,
  loanCandidates,
  loanDatapoints,
  loanDocuments,
  tenantContextOf,
  type TenantTransaction,
} from "@tapeline/db";
import { checkId } from "../ids.ts";

export interface DocumentSummary {
  id: string;
  loanId: string;
  fileName: string;
  sha256: string;
  sizeBytes: number;
  pageCount: number | null;
  documentType: string;
  status: "pending" | "extracted" | "needs_ocr" | "failed";
  lastError: string | null;
  createdBy: string;
  createdAt: Date;
  extractedAt: Date | null;
}

/** A datapoint read from a document, with everything needed to find its evidence. */
export interface ExtractedDatapointRecord {
  id: string;
  key: string;
  value: string;
  valueNumber: string | null;
  /** 1-based page of the evidence in the document. */
  page: number;
  /** SHA-256 of the evidence text, lower-case hex. */
  evidenceTextHash: string;
  /** The evidence text; null on datapoints extracted before it was stored. */
  evidenceText: string | null;
  confidence: number;
  extractorKind: "deterministic" | "model";
  extractorVersion: string;
  /** Null for a deterministic extractor. */
  promptVersion: string | null;
  createdAt: Date;
}

export interface DocumentDetail extends DocumentSummary {
  datapoints: ExtractedDatapointRecord[];
}

type DocumentRow = typeof loanDocuments.$inferSelect;

function summaryOf(row: DocumentRow): DocumentSummary {
  return {
    id: row.id,
    loanId: row.loanId,
    fileName: row.fileName,
    sha256: row.contentSha256,
    sizeBytes: row.sizeBytes,
    pageCount: row.pageCount,
    documentType: row.documentType,
    status: row.status,
    lastError: row.lastError,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    extractedAt: row.extractedAt,
  };
}

/** Returns the loan's documents, oldest first, or null when the loan does not exist. */
export async function listDocuments(
  tx: TenantTransaction,
  loanIdText: string,
): Promise<DocumentSummary[] | null> {
  const { tenantId } = tenantContextOf(tx);
  const loanId = checkId(loanIdText, "loanId");
  const [loan] = await tx
    .select({ id: loanCandidates.id })
    .from(loanCandidates)
    .where(and(eq(loanCandidates.tenantId, tenantId), eq(loanCandidates.id, loanId)));
  if (!loan) return null;

  const rows = await tx
    .select()
    .from(loanDocuments)
    .where(and(eq(loanDocuments.tenantId, tenantId), eq(loanDocuments.loanId, loanId)))
    .orderBy(asc(loanDocuments.createdAt), asc(loanDocuments.id));
  return rows.map(summaryOf);
}

/** Returns one document with its extracted datapoints ordered by key, or null. */
export async function getDocument(
  tx: TenantTransaction,
  documentIdText: string,
): Promise<DocumentDetail | null> {
  const { tenantId } = tenantContextOf(tx);
  const documentId = checkId(documentIdText, "documentId");
  const [row] = await tx
    .select()
    .from(loanDocuments)
    .where(and(eq(loanDocuments.tenantId, tenantId), eq(loanDocuments.id, documentId)));
  if (!row) return null;

  const datapoints = await tx
    .select()
    .from(loanDatapoints)
    .where(
      and(
        eq(loanDatapoints.tenantId, tenantId),
        eq(loanDatapoints.evidenceDocId, documentId),
        eq(loanDatapoints.source, "extraction"),
      ),
    )
    .orderBy(asc(loanDatapoints.key), asc(loanDatapoints.createdAt));

  return {
    ...summaryOf(row),
    datapoints: datapoints.map((point) => ({
      id: point.id,
      key: point.key,
      value: point.value,
      valueNumber: point.valueNumber,
      page: point.evidencePage ?? 0,
      evidenceTextHash: point.evidenceTextHash ?? "",
      evidenceText: point.evidenceText,
      confidence: Number(point.confidence),
      extractorKind: point.extractorKind ?? "deterministic",
      extractorVersion: point.extractorVersion ?? "",
      promptVersion: point.promptVersion,
      createdAt: point.createdAt,
    })),
  };
}
