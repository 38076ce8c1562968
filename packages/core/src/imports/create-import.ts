// Accepts an uploaded loan tape: validates the request, streams the bytes
// into the tenant's storage, then records the import, its CSV column mapping
// and the `import.created` outbox event in one tenant transaction. Parsing
// the tape is the worker's job (process-import.ts); this module never reads
// the content beyond hashing and counting it.
import { Readable } from "node:stream";
import { z } from "zod";
import {
  SqlState,
  TapelineError,
  enqueueEvent,
  eq,
  importMappings,
  imports,
  tenants,
  type AppDatabase,
  type TenantTransaction,
} from "@tapeline/db";
import { FIELD_KEYS, FIELDS } from "../fields/index.ts";
import { StorageLimitError, type FileStorage, type StoredObject } from "../storage/index.ts";

export type ImportFormat = "hmda" | "csv";

export interface CreateImportInput {
  /** The uploaded file's name; any directory part is dropped. */
  fileName: string;
  format: ImportFormat;
  content: Readable | Uint8Array;
  /** CSV only: header column name → canonical field key. */
  mapping?: Record<string, string>;
  /** Upload limit in bytes; larger files are rejected and not stored. */
  maxBytes?: number;
}

export interface CreatedImport {
  importId: string;
  fileSha256: string;
  sizeBytes: number;
}

/** The field every CSV mapping must feed: it names the loan of each row. */
export const LOAN_IDENTIFIER_FIELD = "loan_identifier";

/**
 * A rejected import request: bad format, file name or mapping, an empty or
 * oversized file, or a tenant that does not exist. Nothing was stored.
 */
export class ImportRequestError extends TapelineError {}

const MAX_FILE_NAME_LENGTH = 255;
const MAX_COLUMN_NAME_LENGTH = 200;

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

/**
 * Object property names that a plain object assignment treats specially
 * (`__proto__` sets the prototype) or that shadow Object.prototype members.
 * A header with one of these names is rejected rather than silently lost.
 */
const RESERVED_COLUMN_NAMES = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Rejects a mapping whose column names include `__proto__`, `constructor`
 * or `prototype`. Call it on the parsed JSON before copying the mapping,
 * because a copy by assignment drops a `__proto__` key.
 */
export function rejectReservedColumnNames(mapping: object): void {
  for (const column of Object.keys(mapping)) {
    if (RESERVED_COLUMN_NAMES.has(column.trim())) {
      reject(
        "INVALID_MAPPING",
        `Invalid mapping column ${JSON.stringify(column)}: __proto__, constructor and ` +
          "prototype are not accepted as CSV header names. Rename the column in the tape.",
        { column },
      );
    }
  }
}

const requestSchema = z.object({
  fileName: fileNameSchema,
  format: z.enum(["hmda", "csv"]),
  mapping: z.record(z.string(), z.string()).optional(),
  maxBytes: z.number().int().positive().optional(),
});

interface MappingEntry {
  sourceColumn: string;
  fieldKey: string;
  position: number;
}

function reject(
  code: string,
  message: string,
  context: Record<string, string | number | undefined> = {},
): never {
  throw new ImportRequestError(code, message, context);
}

/**
 * Checks a CSV mapping: every column name non-empty, every field key known
 * and used once, and loan_identifier among them. Throws ImportRequestError
 * naming the offending column or key.
 */
export function validateMapping(mapping: Record<string, string>): MappingEntry[] {
  const entries = Object.entries(mapping);
  const seen = new Map<string, string>();

  for (const [column, fieldKey] of entries) {
    const trimmed = column.trim();
    if (trimmed === "" || trimmed.length > MAX_COLUMN_NAME_LENGTH) {
      reject(
        "INVALID_MAPPING",
        `Invalid mapping column ${JSON.stringify(column.slice(0, 80))}: a CSV header ` +
          `name must be 1 to ${MAX_COLUMN_NAME_LENGTH} characters.`,
        { column: column.slice(0, 80) },
      );
    }
    if (!FIELDS.has(fieldKey)) {
      reject(
        "UNKNOWN_FIELD_KEY",
        `Unknown field key ${JSON.stringify(fieldKey.slice(0, 80))} for column ` +
          `${JSON.stringify(trimmed)}: use one of ${FIELD_KEYS.join(", ")}.`,
        { column: trimmed, fieldKey: fieldKey.slice(0, 80) },
      );
    }
    const earlier = seen.get(fieldKey);
    if (earlier !== undefined) {
      reject(
        "INVALID_MAPPING",
        `Field key ${fieldKey} is mapped from both ${JSON.stringify(earlier)} and ` +
          `${JSON.stringify(trimmed)}: map each field from one column.`,
        { fieldKey },
      );
    }
    seen.set(fieldKey, trimmed);
  }

  if (!seen.has(LOAN_IDENTIFIER_FIELD)) {
    reject(
      "MAPPING_REQUIRED",
      `The CSV mapping has no column for ${LOAN_IDENTIFIER_FIELD}: map the column ` +
        `that holds each row's loan number or ULI to ${LOAN_IDENTIFIER_FIELD}.`,
      { fieldKey: LOAN_IDENTIFIER_FIELD },
    );
  }
  return [...seen].map(([fieldKey, sourceColumn], position) => ({
    sourceColumn,
    fieldKey,
    position,
  }));
}

function parseRequest(input: CreateImportInput) {
  if (typeof input.mapping === "object" && input.mapping !== null) {
    rejectReservedColumnNames(input.mapping);
  }
  const parsed = requestSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path.join(".") || "request";
    reject("INVALID_IMPORT_REQUEST", `Invalid ${name}: ${issue?.message}.`, { parameter: name });
  }
  const { fileName, format, mapping, maxBytes } = parsed.data;

  if (format === "hmda" && mapping && Object.keys(mapping).length > 0) {
    reject(
      "INVALID_MAPPING",
      "An HMDA file takes no mapping: its fields follow the HMDA filing " +
        "specification's fixed order. Remove the mapping or upload as csv.",
    );
  }
  if (format === "csv" && mapping === undefined) {
    reject(
      "MAPPING_REQUIRED",
      "A CSV import needs a mapping from header columns to field keys, with at " +
        `least one column mapped to ${LOAN_IDENTIFIER_FIELD}.`,
      { fieldKey: LOAN_IDENTIFIER_FIELD },
    );
  }
  const entries = format === "csv" && mapping ? validateMapping(mapping) : [];
  return { fileName, format, maxBytes, entries };
}

/**
 * Returns the content as a stream that starts with its first non-empty
 * chunk, or null when the content is empty. Reading ahead this way rejects
 * an empty upload before anything reaches storage.
 */
async function nonEmptyContent(content: Readable | Uint8Array): Promise<Readable | null> {
  if (content instanceof Uint8Array) {
    return content.byteLength === 0 ? null : Readable.from([content]);
  }
  const iterator: AsyncIterator<Buffer> = content[Symbol.asyncIterator]();
  let first = await iterator.next();
  while (!first.done && first.value.length === 0) first = await iterator.next();
  if (first.done) return null;

  const head = first.value;
  return Readable.from(
    (async function* () {
      try {
        yield head;
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          yield next.value;
        }
      } finally {
        await iterator.return?.();
      }
    })(),
  );
}

async function storeTape(
  storage: FileStorage,
  tenantId: string,
  stream: Readable,
  maxBytes: number | undefined,
): Promise<StoredObject> {
  try {
    return await storage.put(tenantId, "tapes", stream, { maxBytes });
  } catch (error) {
    if (error instanceof StorageLimitError) {
      throw new ImportRequestError(
        "FILE_TOO_LARGE",
        `The uploaded file exceeds the limit of ${error.limitBytes} bytes: split the ` +
          "tape into smaller files or raise the configured upload limit.",
        { limitBytes: error.limitBytes },
        { cause: error },
      );
    }
    throw error;
  }
}

async function recordImport(
  tx: TenantTransaction,
  tenantId: string,
  actor: string,
  request: ReturnType<typeof parseRequest>,
  stored: StoredObject,
): Promise<string> {
  const [row] = await tx
    .insert(imports)
    .values({
      tenantId,
      format: request.format,
      fileName: request.fileName,
      fileSha256: stored.sha256,
      fileSizeBytes: stored.sizeBytes,
      storageKey: stored.storageKey,
      status: "pending",
      createdBy: actor,
    })
    .returning({ id: imports.id });
  if (!row) throw new Error("imports insert returned no row");

  if (request.entries.length > 0) {
    await tx
      .insert(importMappings)
      .values(request.entries.map((entry) => ({ tenantId, importId: row.id, ...entry })));
  }

  await enqueueEvent(tx, {
    type: "import.created",
    aggregateType: "import",
    aggregateId: row.id,
    payload: { importId: row.id },
  });
  return row.id;
}

function tenantNotFound(tenantId: string, cause?: unknown): ImportRequestError {
  return new ImportRequestError(
    "TENANT_NOT_FOUND",
    `Tenant ${tenantId} does not exist: create it with \`pnpm tapeline tenants\` ` +
      "before uploading.",
    { tenantId },
    { cause },
  );
}

/**
 * Rejects an unknown tenant before anything reaches storage, so a rejected
 * upload leaves no tenant folder behind. Row-level security shows a
 * transaction only its own tenant's row, and the tenant comes from a
 * verified token, so this reveals nothing about other tenants.
 */
async function requireTenant(db: AppDatabase, tenantId: string, actor: string): Promise<void> {
  const rows = await db.tenant(
    tenantId,
    (tx) => tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId)),
    { actor },
  );
  if (rows.length === 0) throw tenantNotFound(tenantId);
}

/** Walks an error's `cause` chain for a PostgreSQL error (drizzle wraps them). */
function databaseErrorOf(error: unknown): { code: string; constraint_name?: string } | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) {
      return current as { code: string; constraint_name?: string };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Stores an uploaded tape and records a pending import with its mapping and
 * `import.created` event, atomically. Throws ImportRequestError for invalid
 * input, an empty or oversized file, or an unknown tenant; in every failure
 * no row and no file remain.
 */
export async function createImport(
  db: AppDatabase,
  storage: FileStorage,
  tenantId: string,
  input: CreateImportInput,
  actor: string,
): Promise<CreatedImport> {
  const request = parseRequest(input);
  const content = await nonEmptyContent(input.content);
  if (!content) {
    reject("EMPTY_FILE", "The uploaded file is empty: upload a tape with at least one row.");
  }
  await requireTenant(db, tenantId, actor);

  const stored = await storeTape(storage, tenantId, content, request.maxBytes);

  let importId: string;
  try {
    importId = await db.tenant(
      tenantId,
      (tx) => recordImport(tx, tenantId, actor, request, stored),
      { actor },
    );
  } catch (error) {
    await storage.remove(stored.storageKey);
    const database = databaseErrorOf(error);
    if (
      database?.code === SqlState.foreignKeyViolation &&
      database.constraint_name === "imports_tenant_id_tenants_id_fk"
    ) {
      // The tenant was deleted between the check and the insert.
      throw tenantNotFound(tenantId, error);
    }
    throw error;
  }
  return { importId, fileSha256: stored.sha256, sizeBytes: stored.sizeBytes };
}
