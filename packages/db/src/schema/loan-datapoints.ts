import { sql } from "drizzle-orm";
import {
  check,
  foreignKey,
  index,
  integer,
  numeric,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import {
  childTenantIdColumn,
  createdAtColumn,
  timeOrderedIdColumn,
} from "./columns.ts";
import { datapointSource, extractorKind } from "./enums.ts";
import { imports } from "./imports.ts";
import { loanCandidates } from "./loan-candidates.ts";
import { loanDocuments } from "./loan-documents.ts";

/**
 * One value of one field of a loan, with its lineage. The CHECK constraints
 * make the database reject a row that cannot say where it came from:
 * extraction rows need confidence, evidence and extractor version (and a
 * prompt version exactly when the extractor is model-based), tape rows need
 * their import and row number, manual rows their author.
 */
export const loanDatapoints = pgTable(
  "loan_datapoints",
  {
    // The tenant is checked through loan_datapoints_loan_fkey (loan_id is
    // NOT NULL), so the column has no reference of its own.
    tenantId: childTenantIdColumn(),
    id: timeOrderedIdColumn(),
    loanId: uuid("loan_id").notNull(),
    key: text("key").notNull(),
    source: datapointSource("source").notNull(),
    /** Canonical text form from the field dictionary (for example `4.125`, `2013-02-15`). */
    value: text("value").notNull(),
    /** The same value as a number, for numeric fields; null otherwise. */
    valueNumber: numeric("value_number"),
    confidence: numeric("confidence", { precision: 5, scale: 4 }),
    evidenceDocId: uuid("evidence_doc_id"),
    evidencePage: integer("evidence_page"),
    evidenceTextHash: text("evidence_text_hash"),
    /**
     * The evidence text that evidence_text_hash was computed from. Null on
     * rows extracted before the text was stored.
     */
    evidenceText: text("evidence_text"),
    extractorKind: extractorKind("extractor_kind"),
    extractorVersion: text("extractor_version"),
    promptVersion: text("prompt_version"),
    importId: uuid("import_id"),
    importRowNumber: integer("import_row_number"),
    createdBy: text("created_by"),
    createdAt: createdAtColumn(),
  },
  (t) => [
    primaryKey({ name: "loan_datapoints_pkey", columns: [t.tenantId, t.id] }),
    foreignKey({
      name: "loan_datapoints_loan_fkey",
      columns: [t.tenantId, t.loanId],
      foreignColumns: [loanCandidates.tenantId, loanCandidates.id],
    }).onDelete("cascade"),
    foreignKey({
      // Includes loan_id, so the evidence document must belong to this
      // datapoint's loan. Rows without evidence (evidence_doc_id null) are
      // not checked, as with any foreign key under MATCH SIMPLE.
      name: "loan_datapoints_evidence_doc_fkey",
      columns: [t.tenantId, t.loanId, t.evidenceDocId],
      foreignColumns: [loanDocuments.tenantId, loanDocuments.loanId, loanDocuments.id],
    }).onDelete("cascade"),
    foreignKey({
      name: "loan_datapoints_import_fkey",
      columns: [t.tenantId, t.importId],
      foreignColumns: [imports.tenantId, imports.id],
    }).onDelete("cascade"),
    index("loan_datapoints_loan_key_idx").on(t.tenantId, t.loanId, t.key),
    // Partial: tape and manual rows have no evidence or confidence, and
    // every lookup by these columns compares them with a value.
    index("loan_datapoints_loan_evidence_idx")
      .on(t.tenantId, t.loanId, t.evidenceDocId)
      .where(sql`${t.evidenceDocId} is not null`),
    index("loan_datapoints_confidence_idx")
      .on(t.tenantId, t.confidence)
      .where(sql`${t.confidence} is not null`),
    index("loan_datapoints_evidence_idx")
      .on(t.tenantId, t.evidenceDocId, t.evidencePage)
      .where(sql`${t.evidenceDocId} is not null`),
    uniqueIndex("loan_datapoints_import_row_key")
      .on(t.tenantId, t.importId, t.importRowNumber, t.key)
      .where(sql`${t.importId} is not null`),
    uniqueIndex("loan_datapoints_extraction_key")
      .on(t.tenantId, t.evidenceDocId, t.key, t.extractorVersion)
      .where(sql`${t.source} = 'extraction'`),
    check(
      "loan_datapoints_confidence_range",
      sql`${t.confidence} between 0 and 1`,
    ),
    check("loan_datapoints_evidence_page_positive", sql`${t.evidencePage} >= 1`),
    check(
      "loan_datapoints_evidence_hash_hex",
      sql`${t.evidenceTextHash} ~ '^[0-9a-f]{64}$'`,
    ),
    check(
      "loan_datapoints_evidence_text_matches_hash",
      sql`${t.evidenceText} is null or ${t.evidenceTextHash} = encode(sha256(convert_to(${t.evidenceText}, 'UTF8')), 'hex')`,
    ),
    check(
      "loan_datapoints_extraction_lineage",
      sql`${t.source} <> 'extraction' or (
        ${t.confidence} is not null
        and ${t.evidenceDocId} is not null
        and ${t.evidencePage} is not null
        and ${t.evidenceTextHash} is not null
        and ${t.extractorKind} is not null
        and ${t.extractorVersion} is not null
      )`,
    ),
    check(
      "loan_datapoints_prompt_version_model_only",
      sql`coalesce(${t.extractorKind} = 'model', false) = (${t.promptVersion} is not null)`,
    ),
    check(
      "loan_datapoints_tape_lineage",
      sql`${t.source} <> 'tape' or (
        ${t.importId} is not null and ${t.importRowNumber} is not null
      )`,
    ),
    check(
      "loan_datapoints_manual_lineage",
      sql`${t.source} <> 'manual' or ${t.createdBy} is not null`,
    ),
    check(
      "loan_datapoints_import_row_positive",
      sql`${t.importRowNumber} >= 1`,
    ),
  ],
);
