// Request and response schemas of the document, conflict, defect and rule
// routes.
import { z } from "@hono/zod-openapi";

function idParameter(name: string) {
  return z
    .guid({ error: "expected a UUID such as 3f2b1c9e-8d4a-4e6b-9c1d-2a7f5e8b0c31" })
    .transform((value) => value.toLowerCase())
    .openapi({ param: { name, in: "path" }, format: "uuid" });
}

export const LoanIdParams = z.object({ loanId: idParameter("loanId") });
export const DocumentIdParams = z.object({ documentId: idParameter("documentId") });
export const ConflictIdParams = z.object({ conflictId: idParameter("conflictId") });
export const RuleIdParams = z.object({ ruleId: idParameter("ruleId") });

export const UploadDocumentQuery = z.object({
  fileName: z
    .string()
    .min(1)
    .max(1000)
    .openapi({ param: { name: "fileName", in: "query" }, example: "loan-estimate.pdf" }),
});

export const ConflictStatusQuery = z.object({
  status: z
    .enum(["open", "resolved", "waived"])
    .optional()
    .openapi({ param: { name: "status", in: "query" } }),
});

export const DefectStatusQuery = z.object({
  status: z
    .enum(["open", "closed"])
    .optional()
    .openapi({ param: { name: "status", in: "query" } }),
});

export const ReasonBody = z
  .object({ reason: z.string().openapi({ example: "The note shows 4.000%; the tape had a typo." }) })
  .openapi("ConflictDecision");

const timestamp = z.string().openapi({ format: "date-time" });

export const DocumentSchema = z
  .object({
    id: z.string(),
    loanId: z.string(),
    fileName: z.string(),
    sha256: z.string(),
    sizeBytes: z.number().int(),
    pageCount: z.number().int().nullable(),
    documentType: z.string(),
    status: z.enum(["pending", "extracted", "needs_ocr", "failed"]),
    lastError: z.string().nullable(),
    createdBy: z.string(),
    createdAt: timestamp,
    extractedAt: timestamp.nullable(),
  })
  .openapi("Document");

export const UploadedDocumentSchema = DocumentSchema.extend({
  duplicate: z.boolean().openapi({ description: "True when the loan already had these bytes" }),
}).openapi("UploadedDocument");

export const DocumentListSchema = z.object({ items: z.array(DocumentSchema) }).openapi("DocumentList");

export const DocumentDetailSchema = DocumentSchema.extend({
  datapoints: z.array(
    z.object({
      id: z.string(),
      key: z.string(),
      value: z.string(),
      valueNumber: z.string().nullable(),
      page: z.number().int(),
      evidenceTextHash: z.string(),
      evidenceText: z
        .string()
        .nullable()
        .openapi({ description: "Null on datapoints extracted before the text was stored" }),
      confidence: z.number(),
      extractorKind: z.enum(["deterministic", "model"]),
      extractorVersion: z.string(),
      promptVersion: z.string().nullable(),
      createdAt: timestamp,
    }),
  ),
}).openapi("DocumentDetail");

export const ConflictSchema = z
  .object({
    id: z.string(),
    loanId: z.string(),
    key: z.string(),
    kind: z.enum(["tape_document", "document_document"]),
    leftDatapointId: z.string(),
    rightDatapointId: z.string(),
    leftValue: z.string(),
    rightValue: z.string(),
    status: z.enum(["open", "resolved", "waived"]),
    resolutionReason: z.string().nullable(),
    resolvedBy: z.string().nullable(),
    resolvedAt: timestamp.nullable(),
    createdAt: timestamp,
  })
  .openapi("Conflict");

export const ConflictListSchema = z.object({ items: z.array(ConflictSchema) }).openapi("ConflictList");

export const DefectSchema = z
  .object({
    id: z.string(),
    loanId: z.string(),
    ruleId: z.string(),
    ruleCode: z.string(),
    status: z.enum(["open", "closed"]),
    severity: z.enum(["info", "warning", "critical"]),
    message: z.string(),
    details: z.unknown(),
    createdAt: timestamp,
    closedAt: timestamp.nullable(),
  })
  .openapi("Defect");

export const DefectListSchema = z.object({ items: z.array(DefectSchema) }).openapi("DefectList");

export const RuleSchema = z
  .object({
    id: z.string(),
    code: z.string(),
    name: z.string(),
    scope: z.enum(["global", "tenant"]),
    definition: z.unknown(),
    severity: z.enum(["info", "warning", "critical"]),
    message: z.string(),
    status: z.enum(["active", "retired"]),
    createdAt: timestamp,
    retiredAt: timestamp.nullable(),
  })
  .openapi("QcRule");

export const RuleListSchema = z.object({ items: z.array(RuleSchema) }).openapi("QcRuleList");

export const NewRuleBody = z
  .object({
    code: z.string().openapi({ example: "rate_below_ten" }),
    name: z.string(),
    severity: z.enum(["info", "warning", "critical"]),
    message: z.string(),
    definition: z
      .record(z.string(), z.unknown())
      .openapi({
        example: { field: "interest_rate", check: "range", min: 1, max: 10 },
        description:
          "check is present, range (min, max), compare (op: gt|gte|lt|lte|eq|ne, value), " +
          "one_of (values) or min_confidence (threshold); optional when: {field, equals}",
      }),
  })
  .openapi("NewQcRule");

/** Converts the Date fields of a record to ISO text. */
export function withIsoDates<T extends object>(record: T) {
  const entries = Object.entries(record).map(([name, value]) => [
    name,
    value instanceof Date ? value.toISOString() : value,
  ]);
  return Object.fromEntries(entries) as {
    [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K];
  };
}
