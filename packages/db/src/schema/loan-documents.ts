import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  foreignKey,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAtColumn, idColumn, tenantIdColumn } from "./columns.ts";
import { documentStatus } from "./enums.ts";
import { loanCandidates } from "./loan-candidates.ts";

/** A PDF attached to a loan; the bytes live in the tenant's storage under `storage_key`. */
export const loanDocuments = pgTable(
  "loan_documents",
  {
    tenantId: tenantIdColumn(),
    id: idColumn(),
    loanId: uuid("loan_id").notNull(),
    fileName: text("file_name").notNull(),
    contentSha256: text("content_sha256").notNull(),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
    pageCount: integer("page_count"),
    documentType: text("document_type").notNull().default("unknown"),
    storageKey: text("storage_key").notNull(),
    status: documentStatus("status").notNull().default("pending"),
    lastError: text("last_error"),
    createdBy: text("created_by").notNull(),
    createdAt: createdAtColumn(),
    extractedAt: timestamp("extracted_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ name: "loan_documents_pkey", columns: [t.tenantId, t.id] }),
    foreignKey({
      name: "loan_documents_loan_fkey",
      columns: [t.tenantId, t.loanId],
      foreignColumns: [loanCandidates.tenantId, loanCandidates.id],
    }).onDelete("cascade"),
    // The target of loan_datapoints' evidence foreign key, which makes an
    // extraction's evidence document belong to the datapoint's loan.
    unique("loan_documents_loan_document_key").on(t.tenantId, t.loanId, t.id),
    uniqueIndex("loan_documents_loan_content_key").on(
      t.tenantId,
      t.loanId,
      t.contentSha256,
    ),
    check("loan_documents_sha256_hex", sql`${t.contentSha256} ~ '^[0-9a-f]{64}$'`),
    check("loan_documents_size_positive", sql`${t.sizeBytes} > 0`),
    check("loan_documents_page_count_positive", sql`${t.pageCount} >= 1`),
  ],
);
