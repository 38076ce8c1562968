// The worker's half of a document upload: reads the stored PDF, extracts
// datapoints with their lineage, records the document's outcome, then
// detects conflicts and runs QC for the loan, all in one tenant
// transaction that ends with a `document.extracted` event. A document
// whose pages have no text becomes `needs_ocr` with no datapoints.
import { Buffer } from "node:buffer";
import {
  and,
  enqueueEvent,
  eq,
  insertDatapoints,
  loanDocuments,
  type AppDatabase,
  type NewDatapoint,
  type TenantTransaction,
} from "@tapeline/db";
import type { FileStorage } from "@tapeline/core/storage";
import {
  extractDocument,
  PdfInputError,
  type DocumentExtraction,
  type Extractor,
} from "@tapeline/extraction";
import { createHash } from "node:crypto";
import { EvidenceError } from "../errors.ts";
import { evaluateLoan, type LoanEvaluation } from "../evaluate-loan.ts";
import { checkId } from "../ids.ts";

type DocumentRow = typeof loanDocuments.$inferSelect;

export interface ExtractStoredDocumentOptions {
  /** Recorded on audits rows. */
  actor: string;
  /** Defaults to the deterministic extractor. */
  extractor?: Extractor;
}

export interface DocumentExtractionSummary {
  documentId: string;
  loanId: string;
  status: DocumentRow["status"];
  datapoints: number;
  /** False when the document had been processed before and nothing changed. */
  processed: boolean;
  evaluation: LoanEvaluation | null;
}

async function readStored(storage: FileStorage, row: DocumentRow): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of storage.read(row.storageKey)) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (sha256 !== row.contentSha256) {
    throw new EvidenceError(
      "conflict",
      "DOCUMENT_CHANGED",
      `The stored file of document ${row.id} no longer matches the SHA-256 recorded at ` +
        "upload; upload the document again.",
      { documentId: row.id },
    );
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function datapointsOf(row: DocumentRow, extraction: DocumentExtraction): NewDatapoint[] {
  const { extractor } = extraction;
  return extraction.datapoints.map((point) => {
    const common = {
      source: "extraction" as const,
      loanId: row.loanId,
      key: point.key,
      value: point.value,
      valueNumber: point.valueNumber,
      confidence: point.confidence,
      evidenceDocId: row.id,
      evidencePage: point.page,
      evidenceText: point.evidenceText,
    };
    return extractor.kind === "model"
      ? {
          ...common,
          extractorKind: "model" as const,
          extractorVersion: extractor.version,
          promptVersion: extractor.promptVersion as string,
        }
      : { ...common, extractorKind: "deterministic" as const, extractorVersion: extractor.version };
  });
}

async function lockDocument(tx: TenantTransaction, tenantId: string, documentId: string) {
  const [row] = await tx
    .select()
    .from(loanDocuments)
    .where(and(eq(loanDocuments.tenantId, tenantId), eq(loanDocuments.id, documentId)))
    .for("update");
  if (!row) {
    throw new EvidenceError(
      "not_found",
      "DOCUMENT_NOT_FOUND",
      `No document with id ${documentId} for tenant ${tenantId}.`,
      { documentId },
    );
  }
  return row;
}

async function markDocument(
  tx: TenantTransaction,
  row: DocumentRow,
  changes: Partial<DocumentRow>,
): Promise<void> {
  await tx
    .update(loanDocuments)
    .set({ ...changes, extractedAt: new Date() })
    .where(and(eq(loanDocuments.tenantId, row.tenantId), eq(loanDocuments.id, row.id)));
}

async function extractLocked(
  tx: TenantTransaction,
  storage: FileStorage,
  row: DocumentRow,
  options: ExtractStoredDocumentOptions,
): Promise<DocumentExtractionSummary> {
  const summary = { documentId: row.id, loanId: row.loanId };
  if (row.status !== "pending") {
    return { ...summary, status: row.status, datapoints: 0, processed: false, evaluation: null };
  }

  const bytes = await readStored(storage, row);
  let extraction: DocumentExtraction;
  try {
    extraction = await extractDocument(bytes, {
      maxBytes: bytes.byteLength,
      extractor: options.extractor,
    });
  } catch (error) {
    if (!(error instanceof PdfInputError)) throw error;
    // The bytes were read at upload, so this is a damaged store: no retry helps.
    await markDocument(tx, row, { status: "failed", lastError: error.message.slice(0, 2000) });
    await enqueueExtracted(tx, row, "failed", 0);
    return { ...summary, status: "failed", datapoints: 0, processed: true, evaluation: null };
  }

  const rows = datapointsOf(row, extraction);
  if (rows.length > 0) await insertDatapoints(tx, rows);
  await markDocument(tx, row, {
    status: extraction.status,
    pageCount: extraction.pageCount,
    documentType: extraction.documentType,
    lastError: null,
  });
  const evaluation = rows.length > 0 ? await evaluateLoan(tx, row.loanId) : null;
  await enqueueExtracted(tx, row, extraction.status, rows.length, extraction);
  return {
    ...summary,
    status: extraction.status,
    datapoints: rows.length,
    processed: true,
    evaluation,
  };
}

async function enqueueExtracted(
  tx: TenantTransaction,
  row: DocumentRow,
  status: DocumentRow["status"],
  datapoints: number,
  extraction?: DocumentExtraction,
): Promise<void> {
  await enqueueEvent(tx, {
    type: "document.extracted",
    aggregateType: "loan",
    aggregateId: row.loanId,
    payload: {
      documentId: row.id,
      loanId: row.loanId,
      status,
      datapoints,
      documentType: extraction?.documentType ?? row.documentType,
      extractorVersion: extraction?.extractor.version ?? null,
    },
  });
}

/**
 * Extracts a pending document. A document already extracted, marked
 * `needs_ocr` or failed is returned as it is, so a redelivered event
 * changes nothing. Throws EvidenceError `DOCUMENT_NOT_FOUND` for an unknown
 * id; any other error rolls the transaction back and leaves the document
 * pending for a retry.
 */
export async function extractStoredDocument(
  db: AppDatabase,
  storage: FileStorage,
  tenantId: string,
  documentIdText: string,
  options: ExtractStoredDocumentOptions,
): Promise<DocumentExtractionSummary> {
  const documentId = checkId(documentIdText, "documentId");
  return db.tenant(
    tenantId,
    async (tx) => {
      const row = await lockDocument(tx, tenantId, documentId);
      return extractLocked(tx, storage, row, options);
    },
    { actor: options.actor },
  );
}
