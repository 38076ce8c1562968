// Accepts a PDF for a loan: validates it (a readable PDF, not empty, under
// the size limit), reads its page count and form type, stores the bytes in
// the tenant's storage and records the loan_documents row with a
// `document.uploaded` outbox event in one tenant transaction. The same
// bytes uploaded again to the same loan return the existing document, and
// nothing new is stored. A rejected upload leaves no row and no file.
import {
  and,
  enqueueEvent,
  eq,
  loanCandidates,
  loanDocuments,
  SqlState,
  type AppDatabase,
  type TenantTransaction,
} from "@tapeline/db";
import type { FileStorage, StoredObject } from "@tapeline/core/storage";
import {
  detectDocumentType,
  inspectPdf,
  isTextLayerEmpty,
  PdfInputError,
  PdfTooLargeError,
  readPdfText,
  type DocumentType,
} from "@tapeline/extraction";
import { z } from "zod";
import { databaseErrorOf, EvidenceError } from "../errors.ts";
import { checkId } from "../ids.ts";

export interface UploadDocumentInput {
  loanId: string;
  /** The uploaded file's name; any directory part is dropped. */
  fileName: string;
  content: Uint8Array;
  /** Upload limit in bytes; a larger file is rejected and not stored. */
  maxBytes: number;
}

export interface UploadedDocument {
  documentId: string;
  loanId: string;
  fileName: string;
  sha256: string;
  sizeBytes: number;
  pageCount: number;
  documentType: DocumentType;
  status: string;
  /** True when this loan already had a document with the same bytes. */
  duplicate: boolean;
}

const MAX_FILE_NAME_LENGTH = 255;

const fileNameSchema = z
  .string()
  .transform((name) => name.split(/[/\\]/).pop()?.trim() ?? "")
  .pipe(
    z
      .string()
      .min(1, "must not be empty")
      .max(MAX_FILE_NAME_LENGTH, `must be at most ${MAX_FILE_NAME_LENGTH} characters`)
      // eslint-disable-next-line no-control-regex
      .regex(/^[^\u0000-\u001f\u007f]*$/, "must not contain control characters"),
  );

function checkFileName(value: string): string {
  const parsed = fileNameSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problem = parsed.error.issues[0]?.message ?? "is invalid";
  throw new EvidenceError(
    "invalid",
    "INVALID_FILE_NAME",
    `Invalid fileName ${JSON.stringify(value.slice(0, 80))}: it ${problem}.`,
  );
}

/** Converts the extraction package's rejection of the bytes to an EvidenceError. */
function rejectedUpload(error: PdfInputError): EvidenceError {
  const kind = error instanceof PdfTooLargeError ? "too_large" : "invalid";
  return new EvidenceError(kind, error.code, error.message, {}, { cause: error });
}

async function inspectUpload(content: Uint8Array, maxBytes: number) {
  try {
    const inspection = await inspectPdf(content, { maxBytes });
    const layer = await readPdfText(content, { maxBytes });
    const documentType = isTextLayerEmpty(layer)
      ? ("unknown" as const)
      : detectDocumentType(layer);
    return { ...inspection, documentType };
  } catch (error) {
    if (error instanceof PdfInputError) throw rejectedUpload(error);
    throw error;
  }
}

type DocumentRow = typeof loanDocuments.$inferSelect;

function uploadedFrom(row: DocumentRow, duplicate: boolean): UploadedDocument {
  return {
    documentId: row.id,
    loanId: row.loanId,
    fileName: row.fileName,
    sha256: row.contentSha256,
    sizeBytes: row.sizeBytes,
    pageCount: row.pageCount ?? 0,
    documentType: row.documentType as DocumentType,
    status: row.status,
    duplicate,
  };
}

async function findSameContent(
  tx: TenantTransaction,
  tenantId: string,
  loanId: string,
  sha256: string,
): Promise<DocumentRow | undefined> {
  const [row] = await tx
    .select()
    .from(loanDocuments)
    .where(
      and(
        eq(loanDocuments.tenantId, tenantId),
        eq(loanDocuments.loanId, loanId),
        eq(loanDocuments.contentSha256, sha256),
      ),
    );
  return row;
}

async function requireLoan(tx: TenantTransaction, tenantId: string, loanId: string) {
  const [loan] = await tx
    .select({ id: loanCandidates.id })
    .from(loanCandidates)
    .where(and(eq(loanCandidates.tenantId, tenantId), eq(loanCandidates.id, loanId)));
  // Another tenant's loan is invisible under row-level security, so it
  // gets this same error: nothing reveals that it exists.
  if (!loan) {
    throw new EvidenceError(
      "not_found",
      "LOAN_NOT_FOUND",
      `No loan with id ${loanId}: import its tape first, or check the id.`,
      { loanId },
    );
  }
}

interface CheckedUpload {
  loanId: string;
  fileName: string;
  content: Uint8Array;
  inspection: Awaited<ReturnType<typeof inspectUpload>>;
}

/** Stores the bytes and inserts the row and event; removes the file if the transaction fails. */
async function recordUpload(
  db: AppDatabase,
  storage: FileStorage,
  tenantId: string,
  actor: string,
  upload: CheckedUpload,
): Promise<UploadedDocument> {
  const { loanId, inspection } = upload;
  let stored: StoredObject | undefined;
  const work = async (tx: TenantTransaction) => {
    await requireLoan(tx, tenantId, loanId);
    const existing = await findSameContent(tx, tenantId, loanId, inspection.sha256);
    if (existing) return uploadedFrom(existing, true);

    stored = await storage.put(tenantId, "documents", upload.content);
    const [row] = await tx
      .insert(loanDocuments)
      .values({
        tenantId,
        loanId,
        fileName: upload.fileName,
        contentSha256: stored.sha256,
        sizeBytes: stored.sizeBytes,
        pageCount: inspection.pageCount,
        documentType: inspection.documentType,
        storageKey: stored.storageKey,
        createdBy: actor,
      })
      .returning();
    if (!row) throw new Error("loan_documents insert returned no row");

    await enqueueEvent(tx, {
      type: "document.uploaded",
      aggregateType: "loan",
      aggregateId: loanId,
      payload: { documentId: row.id, loanId },
    });
    return uploadedFrom(row, false);
  };

  try {
    return await db.tenant(tenantId, work, { actor });
  } catch (error) {
    if (stored) await storage.remove(stored.storageKey);
    const database = databaseErrorOf(error);
    const sameUploadWon =
      database?.code === SqlState.uniqueViolation &&
      database.constraint_name === "loan_documents_loan_content_key";
    if (!sameUploadWon) throw error;
    // A concurrent upload of the same bytes committed first: return its row.
    return db.tenant(tenantId, async (tx) => {
      const existing = await findSameContent(tx, tenantId, loanId, inspection.sha256);
      if (!existing) throw error;
      return uploadedFrom(existing, true);
    }, { actor });
  }
}

/**
 * Stores a PDF for a loan and records it with a `document.uploaded` event.
 * Throws EvidenceError for a bad file name, a file that is not a readable
 * PDF, an empty or oversized file, or an unknown loan; then nothing is
 * stored. Uploading the same bytes to the same loan again returns the
 * existing document with `duplicate: true`.
 */
export async function uploadDocument(
  db: AppDatabase,
  storage: FileStorage,
  tenantId: string,
  input: UploadDocumentInput,
  actor: string,
): Promise<UploadedDocument> {
  const loanId = checkId(input.loanId, "loanId");
  const fileName = checkFileName(input.fileName);
  const inspection = await inspectUpload(input.content, input.maxBytes);
  return recordUpload(db, storage, tenantId, actor, {
    loanId,
    fileName,
    content: input.content,
    inspection,
  });
}
