// The write path for loan datapoints. It fills the tenant from the
// transaction and the lineage columns the caller should not compute by hand
// (evidence hash, extractor defaults, author), and rejects rows whose
// lineage is incomplete before any SQL is sent. The CHECK constraints on
// loan_datapoints remain the guarantee for writers that bypass this module.
import { createHash, randomUUID } from "node:crypto";
import { z } from "zod";
import { readDatabaseEnv } from "./env.ts";
import { TapelineError } from "./errors.ts";
import { loanDatapoints } from "./schema/loan-datapoints.ts";
import { tenantContextOf, type TenantTransaction } from "./tenant.ts";

interface DatapointFields {
  loanId: string;
  /** Canonical field key from the field dictionary, for example `loan_amount`. */
  key: string;
  /** Canonical text form of the value. */
  value: string;
  /** The value as a number, for numeric fields. */
  valueNumber?: number | string | null;
}

interface ExtractionFields extends DatapointFields {
  source: "extraction";
  /** Extractor confidence in [0, 1]; stored with four decimal places. */
  confidence: number;
  // NOTE: the foreign key is (tenant_id, evidence_doc_id), so neither this
  // module nor the database checks that the document belongs to loanId.
  evidenceDocId: string;
  /** 1-based page of the evidence document. */
  evidencePage: number;
  /** The text the value was read from; only its SHA-256 is stored. */
  evidenceText: string;
}

/** Defaults: extractor kind `deterministic`, version from TAPELINE_EXTRACTOR_VERSION. */
export interface DeterministicExtractionDatapoint extends ExtractionFields {
  extractorKind?: "deterministic";
  extractorVersion?: string;
  promptVersion?: undefined;
}

/** A model-based extractor must name its model version and prompt version. */
export interface ModelExtractionDatapoint extends ExtractionFields {
  extractorKind: "model";
  extractorVersion: string;
  promptVersion: string;
}

/** A value read from a loan tape: the import and its 1-based row number. */
export interface TapeDatapoint extends DatapointFields {
  source: "tape";
  importId: string;
  importRowNumber: number;
}

/** A value entered by a person; `created_by` is db.tenant()'s actor. */
export interface ManualDatapoint extends DatapointFields {
  source: "manual";
}

export type NewDatapoint =
  | DeterministicExtractionDatapoint
  | ModelExtractionDatapoint
  | TapeDatapoint
  | ManualDatapoint;

export interface InsertDatapointsOptions {
  /** Version for deterministic extraction rows that give none. */
  defaultExtractorVersion?: string;
}

export class InvalidDatapointError extends TapelineError {
  constructor(index: number, problems: string) {
    super("INVALID_DATAPOINT", `Invalid datapoint at rows[${index}]: ${problems}`, {
      index,
    });
  }
}

const id = z.guid();
const text = z.string().min(1);

const datapointFields = {
  loanId: id,
  key: text,
  value: z.string(),
  valueNumber: z
    .union([z.number().finite(), z.string().regex(/^-?\d+(\.\d+)?$/)])
    .nullish(),
};

const extractionSchema = z
  .strictObject({
    ...datapointFields,
    source: z.literal("extraction"),
    confidence: z.number().min(0).max(1),
    evidenceDocId: id,
    evidencePage: z.number().int().min(1),
    evidenceText: text,
    extractorKind: z.enum(["deterministic", "model"]).optional(),
    extractorVersion: text.optional(),
    promptVersion: text.optional(),
  })
  .superRefine((row, context) => {
    if (row.extractorKind === "model") {
      if (!row.extractorVersion) {
        context.addIssue({
          code: "custom",
          path: ["extractorVersion"],
          message: "required for a model-based extractor (the model's version)",
        });
      }
      if (!row.promptVersion) {
        context.addIssue({
          code: "custom",
          path: ["promptVersion"],
          message: "required when extractorKind is \"model\"",
        });
      }
    } else if (row.promptVersion !== undefined) {
      context.addIssue({
        code: "custom",
        path: ["promptVersion"],
        message: "only a model-based extractor has a prompt: set extractorKind to \"model\" or drop it",
      });
    }
  });

const tapeSchema = z.strictObject({
  ...datapointFields,
  source: z.literal("tape"),
  importId: id,
  importRowNumber: z.number().int().min(1),
});

const manualSchema = z.strictObject({
  ...datapointFields,
  source: z.literal("manual"),
});

const datapointSchema = z.discriminatedUnion("source", [
  extractionSchema,
  tapeSchema,
  manualSchema,
]);

type ParsedDatapoint = z.infer<typeof datapointSchema>;
type DatapointRow = typeof loanDatapoints.$inferInsert;

/** Rows per INSERT statement; 17 columns each stays far below PostgreSQL's 65,535 parameters. */
const ROWS_PER_STATEMENT = 1000;

function parseDatapoint(row: unknown, index: number): ParsedDatapoint {
  const parsed = datapointSchema.safeParse(row);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .map((issue) => `${issue.path.join(".") || "row"}: ${issue.message}`)
    .join("; ");
  throw new InvalidDatapointError(index, problems);
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function toNumericText(value: number | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return String(value);
}

function lineageColumns(
  row: ParsedDatapoint,
  actor: string,
  defaultExtractorVersion: () => string,
): Partial<DatapointRow> {
  switch (row.source) {
    case "extraction": {
      const kind = row.extractorKind ?? "deterministic";
      return {
        confidence: String(row.confidence),
        evidenceDocId: row.evidenceDocId,
        evidencePage: row.evidencePage,
        evidenceTextHash: sha256Hex(row.evidenceText),
        evidenceText: row.evidenceText,
        extractorKind: kind,
        extractorVersion: row.extractorVersion ?? defaultExtractorVersion(),
        promptVersion: kind === "model" ? row.promptVersion : null,
      };
    }
    case "tape":
      return { importId: row.importId, importRowNumber: row.importRowNumber };
    case "manual":
      return { createdBy: actor };
  }
}

/**
 * Inserts datapoints for the transaction's tenant and returns their ids in
 * the order given. Every row is validated first: one invalid row throws
 * InvalidDatapointError and nothing is written. Manual rows need an actor,
 * so open the transaction with `db.tenant(id, work, { actor })`.
 */
export async function insertDatapoints(
  tx: TenantTransaction,
  rows: readonly NewDatapoint[],
  options: InsertDatapointsOptions = {},
): Promise<string[]> {
  const { tenantId, actor } = tenantContextOf(tx);
  const parsed = rows.map((row, index) => parseDatapoint(row, index));

  const manualIndex = parsed.findIndex((row) => row.source === "manual");
  if (manualIndex >= 0 && !actor) {
    throw new InvalidDatapointError(
      manualIndex,
      "a manual datapoint records who entered it: pass { actor } to db.tenant()",
    );
  }

  let configuredVersion = options.defaultExtractorVersion;
  const defaultExtractorVersion = () =>
    (configuredVersion ??= readDatabaseEnv().currentExtractorVersion);

  const values: DatapointRow[] = parsed.map((row) => ({
    tenantId,
    id: randomUUID(),
    loanId: row.loanId,
    key: row.key,
    source: row.source,
    value: row.value,
    valueNumber: toNumericText(row.valueNumber),
    ...lineageColumns(row, actor, defaultExtractorVersion),
  }));

  for (let start = 0; start < values.length; start += ROWS_PER_STATEMENT) {
    await tx.insert(loanDatapoints).values(values.slice(start, start + ROWS_PER_STATEMENT));
  }
  return values.map((row) => row.id as string);
}
