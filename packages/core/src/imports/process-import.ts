// Imports a stored loan tape: parses it, bulk-loads loans, datapoints and
// error rows, and marks the import completed, all in one tenant
// transaction. A failed attempt leaves nothing of the tape behind. A second
// transaction then records the attempt, and the import stays pending for a
// retry. When the file itself cannot be read, the import becomes failed.
//
// Bad rows do not fail an import. A row whose shape is wrong (field count,
// record type, loan identifier) is rejected whole with one import_errors
// row. A row with one bad value lands with its other datapoints, and the
// bad value becomes an import_errors row naming its column.
import { createHash } from "node:crypto";
import {
  and,
  enqueueEvent,
  eq,
  importErrors,
  importMappings,
  imports,
  loadTapeChunk,
  loanDatapoints,
  parseTenantId,
  sql,
  TapelineError,
  type AppDatabase,
  type TapeChunk,
  type TenantTransaction,
} from "@tapeline/db";
import { z } from "zod";
import type { FileStorage } from "../storage/index.ts";
import { parseCsvTape, type CsvColumnMapping } from "./csv-parser.ts";
import { ImportNotFoundError, UnreadableTapeError } from "./errors.ts";
import { parseHmdaTape } from "./hmda-parser.ts";
import type { ParseProgress, ParsedTapeRow } from "./tape-row.ts";

export interface ImportProgress {
  bytesRead: number;
  totalBytes: number;
  rowsRead: number;
  datapoints: number;
  errors: number;
}

export interface ProcessImportOptions {
  /** Recorded on audits rows; defaults to "system". */
  actor?: string;
  /** Called after each chunk is loaded; a throw rolls the whole import back. */
  onProgress?: (progress: ImportProgress) => void | Promise<void>;
  /** Tape rows per bulk-load chunk; defaults to 2,000. */
  chunkRows?: number;
  /** Mark the import failed, not pending, if this attempt throws (the caller's last retry). */
  finalAttempt?: boolean;
}

export interface ImportSummary {
  importId: string;
  status: "pending" | "processing" | "completed" | "failed";
  rowCount: number;
  loanCount: number;
  datapointCount: number;
  errorCount: number;
  attempts: number;
  lastError: string | null;
}

type ImportRow = typeof imports.$inferSelect;

const DEFAULT_CHUNK_ROWS = 2_000;
const importIdSchema = z.string().uuid();

function summaryOf(row: ImportRow): ImportSummary {
  return {
    importId: row.id,
    status: row.status,
    rowCount: row.rowCount ?? 0,
    loanCount: row.loanCount ?? 0,
    datapointCount: row.datapointCount ?? 0,
    errorCount: row.errorCount ?? 0,
    attempts: row.attempts,
    lastError: row.lastError,
  };
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 2000);
}

async function lockImport(
  tx: TenantTransaction,
  tenantId: string,
  importId: string,
) {
  const [row] = await tx
    .select()
    .from(imports)
    .where(and(eq(imports.tenantId, tenantId), eq(imports.id, importId)))
    .for("update");
  if (!row) throw new ImportNotFoundError(tenantId, importId);
  return row;
}

async function readMappings(
  tx: TenantTransaction,
  tenantId: string,
  importId: string,
) {
  return tx
    .select({
      sourceColumn: importMappings.sourceColumn,
      fieldKey: importMappings.fieldKey,
    })
    .from(importMappings)
    .where(
      and(
        eq(importMappings.tenantId, tenantId),
        eq(importMappings.importId, importId),
      ),
    )
    .orderBy(importMappings.position);
}

/** Opens the stored tape, or throws UnreadableTapeError when it is missing or empty. */
async function openTape(storage: FileStorage, row: ImportRow) {
  let size: number;
  try {
    size = await storage.size(row.storageKey);
  } catch (error) {
    throw new UnreadableTapeError(
      `The stored file of import ${row.id} (${row.fileName}) cannot be read: ${messageOf(error)}. Upload the file again.`,
      { cause: error },
    );
  }
  if (size === 0) {
    throw new UnreadableTapeError(
      `The file ${row.fileName} is empty; upload a file with loan rows.`,
    );
  }
  return { size, stream: storage.read(row.storageKey) };
}

/** Passes the chunks through while counting and hashing them. */
async function* measure(
  chunks: AsyncIterable<Buffer>,
  progress: ParseProgress,
  hash: ReturnType<typeof createHash>,
): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    progress.bytesRead += chunk.length;
    hash.update(chunk);
    yield chunk;
  }
}

function parseTape(
  row: ImportRow,
  chunks: AsyncIterable<Buffer>,
  mappings: CsvColumnMapping[],
  progress: ParseProgress,
): AsyncGenerator<ParsedTapeRow> {
  return row.format === "csv"
    ? parseCsvTape(chunks, mappings, progress)
    : parseHmdaTape(chunks, progress);
}

async function loadTape(
  tx: TenantTransaction,
  storage: FileStorage,
  row: ImportRow,
  mappings: CsvColumnMapping[],
  options: ProcessImportOptions,
) {
  const { size, stream } = await openTape(storage, row);
  const progress: ParseProgress = { bytesRead: 0, rowsRead: 0 };
  const hash = createHash("sha256");
  const totals = { datapoints: 0, errors: 0 };
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  let chunk: TapeChunk = { loans: [], errors: [] };

  const flush = async () => {
    const result = await loadTapeChunk(tx, row.id, chunk);
    totals.datapoints += result.datapoints;
    totals.errors += result.errors;
    chunk = { loans: [], errors: [] };
    await options.onProgress?.({ ...progress, totalBytes: size, ...totals });
  };

  try {
    const chunks = measure(stream, progress, hash);
    for await (const parsed of parseTape(row, chunks, mappings, progress)) {
      if (parsed.loan)
        chunk.loans.push({ rowNumber: parsed.rowNumber, ...parsed.loan });
      chunk.errors.push(...parsed.errors);
      if (chunk.loans.length + chunk.errors.length >= chunkRows) await flush();
    }
    await flush();
  } finally {
    stream.destroy();
  }

  if (hash.digest("hex") !== row.fileSha256) {
    throw new UnreadableTapeError(
      `The stored file of import ${row.id} no longer matches the SHA-256 recorded at upload; upload the file again.`,
    );
  }
  return { rowCount: progress.rowsRead, ...totals };
}

// NOTE: two rows of one tape with the same loan number land on one loan
// without an import error, so loan_count can be lower than row_count.
async function countLoans(
  tx: TenantTransaction,
  tenantId: string,
  importId: string,
) {
  const [result] = await tx
    .select({
      loans: sql<number>`count(distinct ${loanDatapoints.loanId})::int`,
    })
    .from(loanDatapoints)
    .where(
      and(
        eq(loanDatapoints.tenantId, tenantId),
        eq(loanDatapoints.importId, importId),
      ),
    );
  return result?.loans ?? 0;
}

async function runImport(
  tx: TenantTransaction,
  storage: FileStorage,
  tenantId: string,
  importId: string,
  options: ProcessImportOptions,
): Promise<ImportSummary> {
  const row = await lockImport(tx, tenantId, importId);
  if (row.status === "completed" || row.status === "failed")
    return summaryOf(row);

  const mappings =
    row.format === "csv" ? await readMappings(tx, tenantId, importId) : [];
  const totals = await loadTape(tx, storage, row, mappings, options);
  const loanCount = await countLoans(tx, tenantId, importId);

  const [updated] = await tx
    .update(imports)
    .set({
      status: "completed",
      rowCount: totals.rowCount,
      loanCount,
      datapointCount: totals.datapoints,
      errorCount: totals.errors,
      attempts: sql`${imports.attempts} + 1`,
      lastError: null,
      startedAt: sql`now()`,
      completedAt: sql`clock_timestamp()`,
    })
    .where(and(eq(imports.tenantId, tenantId), eq(imports.id, importId)))
    .returning();
  if (!updated) throw new ImportNotFoundError(tenantId, importId);

  const summary = summaryOf(updated);
  await enqueueEvent(tx, {
    type: "import.completed",
    aggregateType: "import",
    aggregateId: importId,
    payload: {
      importId,
      rowCount: summary.rowCount,
      loanCount: summary.loanCount,
      datapointCount: summary.datapointCount,
      errorCount: summary.errorCount,
    },
  });
  return summary;
}

/** Records an attempt that threw: pending again for a retry, or failed on the final attempt. */
async function recordFailedAttempt(
  db: AppDatabase,
  tenantId: string,
  importId: string,
  error: unknown,
  options: ProcessImportOptions,
): Promise<void> {
  await db.tenant(
    tenantId,
    async (tx) => {
      const status = options.finalAttempt ? "failed" : "pending";
      const [row] = await tx
        .update(imports)
        .set({
          status,
          attempts: sql`${imports.attempts} + 1`,
          lastError: messageOf(error),
        })
        .where(
          and(
            eq(imports.tenantId, tenantId),
            eq(imports.id, importId),
            sql`${imports.status} in ('pending', 'processing')`,
          ),
        )
        .returning({ id: imports.id });
      if (row && status === "failed") {
        await enqueueEvent(tx, {
          type: "import.failed",
          aggregateType: "import",
          aggregateId: importId,
          payload: { importId, reason: messageOf(error) },
        });
      }
    },
    { actor: options.actor ?? "system" },
  );
}

/** Marks an import whose file cannot be read as failed, with one import_errors row saying why. */
async function markUnreadable(
  db: AppDatabase,
  tenantId: string,
  importId: string,
  error: UnreadableTapeError,
  actor: string,
): Promise<ImportSummary> {
  return db.tenant(
    tenantId,
    async (tx) => {
      const row = await lockImport(tx, tenantId, importId);
      if (row.status === "completed" || row.status === "failed")
        return summaryOf(row);

      await tx.insert(importErrors).values({
        tenantId,
        importId,
        rowNumber: error.rowNumber,
        code: error.code,
        reason: error.message,
      });
      const [updated] = await tx
        .update(imports)
        .set({
          status: "failed",
          rowCount: 0,
          loanCount: 0,
          datapointCount: 0,
          errorCount: 1,
          attempts: sql`${imports.attempts} + 1`,
          lastError: messageOf(error),
          startedAt: sql`now()`,
          completedAt: sql`clock_timestamp()`,
        })
        .where(and(eq(imports.tenantId, tenantId), eq(imports.id, importId)))
        .returning();
      await enqueueEvent(tx, {
        type: "import.failed",
        aggregateType: "import",
        aggregateId: importId,
        payload: { importId, reason: error.message },
      });
      return summaryOf(updated ?? row);
    },
    { actor },
  );
}

/**
 * Imports the tape of `importId` for `tenantId`. Returns the stored
 * summary without reprocessing when the import is already completed or
 * failed, so a redelivered event changes nothing. Throws
 * ImportNotFoundError for an unknown id; any other error is rethrown after
 * the attempt is recorded, with nothing of the tape left in the database.
 */
export async function processImport(
  db: AppDatabase,
  storage: FileStorage,
  tenantId: string,
  importId: string,
  options: ProcessImportOptions = {},
): Promise<ImportSummary> {
  if (!importIdSchema.safeParse(importId).success) {
    throw new TapelineError(
      "INVALID_IMPORT_ID",
      `Invalid import id ${JSON.stringify(String(importId).slice(0, 64))}: expected a UUID.`,
    );
  }
  const tenant = parseTenantId(tenantId);
  const actor = options.actor ?? "system";

  try {
    return await db.tenant(
      tenant,
      (tx) => runImport(tx, storage, tenant, importId, options),
      { actor },
    );
  } catch (error) {
    if (error instanceof ImportNotFoundError) throw error;
    if (error instanceof UnreadableTapeError) {
      return markUnreadable(db, tenant, importId, error, actor);
    }
    try {
      await recordFailedAttempt(db, tenant, importId, error, options);
    } catch (recordError) {
      throw new AggregateError(
        [error, recordError],
        `Import ${importId} failed, and recording the failed attempt failed too.`,
      );
    }
    throw error;
  }
}
