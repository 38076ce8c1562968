// Request and response schemas: they validate input and generate the
// OpenAPI document, so the document cannot disagree with the checks.
import { z } from "@hono/zod-openapi";
import { MAX_PAGE_SIZE } from "@tapeline/core/loans";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "INVALID_ID" }),
      message: z.string(),
    }),
  })
  .openapi("Error");

function idParameter(name: string) {
  return z
    .guid({ error: `expected a UUID such as 3f2b1c9e-8d4a-4e6b-9c1d-2a7f5e8b0c31` })
    .transform((value) => value.toLowerCase())
    .openapi({ param: { name, in: "path" }, format: "uuid" });
}

/** A page size written as plain decimal digits; `1e2` and `0x10` are rejected. */
function limitParameter(name: string) {
  const range = `expected a whole number from 1 to ${MAX_PAGE_SIZE}`;
  return z
    .string()
    .regex(/^[0-9]{1,9}$/, { error: range })
    .transform(Number)
    .pipe(z.number().min(1, { error: range }).max(MAX_PAGE_SIZE, { error: range }))
    .optional()
    .openapi({ param: { name, in: "query" }, type: "integer", example: 50 });
}

const cursorParameter = (name: string) =>
  z
    .string()
    .min(1)
    .max(2048)
    .optional()
    .openapi({ param: { name, in: "query" }, description: "nextCursor of the previous page" });

export const LoanParamsSchema = z.object({ loanId: idParameter("loanId") });
export const ImportParamsSchema = z.object({ importId: idParameter("importId") });

export const ListLoansQuerySchema = z.object({
  limit: limitParameter("limit"),
  cursor: cursorParameter("cursor"),
  sort: z
    .enum(["created_at", "loan_number"], { error: "expected created_at or loan_number" })
    .optional()
    .openapi({ param: { name: "sort", in: "query" } }),
});

export const ImportQuerySchema = z.object({
  errorsLimit: limitParameter("errorsLimit"),
  errorsCursor: cursorParameter("errorsCursor"),
});

export const UploadQuerySchema = z.object({
  format: z
    .enum(["hmda", "csv"], { error: "expected hmda or csv" })
    .optional()
    .openapi({ param: { name: "format", in: "query" }, description: "Required for a raw body" }),
  fileName: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .openapi({ param: { name: "fileName", in: "query" }, description: "Required for a raw body" }),
  mapping: z.string().optional().openapi({
    param: { name: "mapping", in: "query" },
    description: "CSV only: JSON object of header column → field key",
    example: '{"Loan ID":"loan_identifier","Amount":"loan_amount"}',
  }),
});

const timestamp = z.string().openapi({ format: "date-time" });

export const ImportCreatedSchema = z
  .object({
    importId: z.string().openapi({ format: "uuid" }),
    status: z.literal("pending"),
    fileSha256: z.string(),
    sizeBytes: z.number().int(),
  })
  .openapi("ImportCreated");

export const LoanSummarySchema = z
  .object({
    id: z.string().openapi({ format: "uuid" }),
    loanNumber: z.string(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .openapi("LoanSummary");

export const LoanPageSchema = z
  .object({ items: z.array(LoanSummarySchema), nextCursor: z.string().nullable() })
  .openapi("LoanPage");

export const DatapointSchema = z
  .object({
    id: z.string().openapi({ format: "uuid" }),
    key: z.string(),
    value: z.string(),
    valueNumber: z.string().nullable(),
    lineage: z.object({
      source: z.enum(["extraction", "tape", "manual"]),
      confidence: z.number().min(0).max(1).nullable(),
      evidence: z
        .object({
          documentId: z.string().openapi({ format: "uuid" }),
          fileName: z.string().nullable(),
          page: z.number().int().nullable(),
          textHash: z.string().nullable(),
          text: z
            .string()
            .nullable()
            .openapi({ description: "Null on datapoints extracted before the text was stored" }),
        })
        .nullable(),
      extractor: z
        .object({
          kind: z.enum(["deterministic", "model"]).nullable(),
          version: z.string().nullable(),
          promptVersion: z.string().nullable(),
        })
        .nullable(),
      import: z
        .object({
          importId: z.string().openapi({ format: "uuid" }),
          rowNumber: z.number().int().nullable(),
        })
        .nullable(),
      createdBy: z.string().nullable(),
      createdAt: timestamp,
    }),
  })
  .openapi("Datapoint");

export const LoanDetailSchema = LoanSummarySchema.extend({
  datapoints: z.array(DatapointSchema),
}).openapi("LoanDetail");

export const ImportErrorSchema = z
  .object({
    id: z.string().openapi({ format: "uuid" }),
    rowNumber: z.number().int(),
    columnName: z.string().nullable(),
    value: z.string().nullable(),
    code: z.string(),
    reason: z.string(),
  })
  .openapi("ImportError");

export const ImportDetailSchema = z
  .object({
    id: z.string().openapi({ format: "uuid" }),
    format: z.enum(["hmda", "csv"]),
    fileName: z.string(),
    fileSha256: z.string(),
    sizeBytes: z.number().int(),
    status: z.enum(["pending", "processing", "completed", "failed"]),
    counts: z.object({
      rows: z.number().int().nullable(),
      loans: z.number().int().nullable(),
      datapoints: z.number().int().nullable(),
      errors: z.number().int().nullable(),
    }),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    mapping: z.array(z.object({ sourceColumn: z.string(), fieldKey: z.string() })),
    errors: z.object({ items: z.array(ImportErrorSchema), nextCursor: z.string().nullable() }),
    createdBy: z.string(),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    completedAt: timestamp.nullable(),
  })
  .openapi("ImportDetail");

export const HealthSchema = z.object({ status: z.literal("ok") }).openapi("Health");
