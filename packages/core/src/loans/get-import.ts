// One import's status, counts, column mapping and a page of its error rows.
import {
  and,
  asc,
  eq,
  importErrors,
  importMappings,
  imports,
  sql,
  tenantContextOf,
  type TenantTransaction,
} from "@tapeline/db";
import { checkPageSize, decodeCursor, encodeCursor, type Page } from "./cursor.ts";
import { checkId } from "./errors.ts";

export interface ImportErrorRow {
  id: string;
  /** 1-based line of the tape file. */
  rowNumber: number;
  columnName: string | null;
  value: string | null;
  code: string;
  reason: string;
}

export interface ImportDetail {
  id: string;
  format: "hmda" | "csv";
  fileName: string;
  fileSha256: string;
  sizeBytes: number;
  status: "pending" | "processing" | "completed" | "failed";
  /** Null until the worker has processed the import. */
  counts: {
    rows: number | null;
    loans: number | null;
    datapoints: number | null;
    errors: number | null;
  };
  attempts: number;
  lastError: string | null;
  mapping: { sourceColumn: string; fieldKey: string }[];
  errors: Page<ImportErrorRow>;
  createdBy: string;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

export interface GetImportOptions {
  /** Error rows per page: 1 to MAX_PAGE_SIZE. */
  errorsLimit?: number;
  /** The previous response's errors.nextCursor. */
  errorsCursor?: string;
}

async function selectErrorPage(
  tx: TenantTransaction,
  tenantId: string,
  importId: string,
  options: GetImportOptions,
): Promise<Page<ImportErrorRow>> {
  const limit = checkPageSize(options.errorsLimit, "errorsLimit");
  let after: ReturnType<typeof sql> | undefined;
  if (options.errorsCursor !== undefined) {
    const [rowNumber, id] = decodeCursor(options.errorsCursor, "import_errors.row_number");
    after = sql`(${importErrors.rowNumber}, ${importErrors.id}) > (${rowNumber}::integer, ${id}::uuid)`;
  }

  const rows = await tx
    .select({
      id: importErrors.id,
      rowNumber: importErrors.rowNumber,
      columnName: importErrors.columnName,
      value: importErrors.value,
      code: importErrors.code,
      reason: importErrors.reason,
    })
    .from(importErrors)
    .where(and(eq(importErrors.tenantId, tenantId), eq(importErrors.importId, importId), after))
    .orderBy(asc(importErrors.rowNumber), asc(importErrors.id))
    .limit(limit + 1);

  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const nextCursor =
    rows.length > limit && last
      ? encodeCursor("import_errors.row_number", [last.rowNumber, last.id])
      : null;
  return { items, nextCursor };
}

/**
 * Returns the import, or null when the transaction's tenant has none with
 * this id (another tenant's import is null too). Throws
 * InvalidReadRequestError for a malformed id, limit or cursor.
 */
export async function getImport(
  tx: TenantTransaction,
  importId: string,
  options: GetImportOptions = {},
): Promise<ImportDetail | null> {
  const { tenantId } = tenantContextOf(tx);
  const id = checkId(importId, "importId");
  checkPageSize(options.errorsLimit, "errorsLimit");

  const [row] = await tx
    .select()
    .from(imports)
    .where(and(eq(imports.tenantId, tenantId), eq(imports.id, id)));
  if (!row) return null;

  const mapping = await tx
    .select({ sourceColumn: importMappings.sourceColumn, fieldKey: importMappings.fieldKey })
    .from(importMappings)
    .where(and(eq(importMappings.tenantId, tenantId), eq(importMappings.importId, id)))
    .orderBy(asc(importMappings.position));
  const errors = await selectErrorPage(tx, tenantId, id, options);

  return {
    id: row.id,
    format: row.format,
    fileName: row.fileName,
    fileSha256: row.fileSha256,
    sizeBytes: row.fileSizeBytes,
    status: row.status,
    counts: {
      rows: row.rowCount,
      loans: row.loanCount,
      datapoints: row.datapointCount,
      errors: row.errorCount,
    },
    attempts: row.attempts,
    lastError: row.lastError,
    mapping,
    errors,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    completedAt: row.completedAt,
  };
}
