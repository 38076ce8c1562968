// Reads an import's error rows, in row order, for reports and the CLI.
import { and, asc, eq, importErrors, type AppDatabase } from "@tapeline/db";

export interface ImportErrorRecord {
  rowNumber: number;
  columnName: string | null;
  value: string | null;
  code: string;
  reason: string;
}

/** Returns the first `limit` import_errors rows of an import, ordered by row number. */
export async function listImportErrors(
  db: AppDatabase,
  tenantId: string,
  importId: string,
  options: { limit?: number; actor?: string } = {},
): Promise<ImportErrorRecord[]> {
  return db.tenant(
    tenantId,
    (tx) =>
      tx
        .select({
          rowNumber: importErrors.rowNumber,
          columnName: importErrors.columnName,
          value: importErrors.value,
          code: importErrors.code,
          reason: importErrors.reason,
        })
        .from(importErrors)
        .where(
          and(
            eq(importErrors.tenantId, tenantId),
            eq(importErrors.importId, importId),
          ),
        )
        .orderBy(asc(importErrors.rowNumber), asc(importErrors.createdAt))
        .limit(options.limit ?? 20),
    { actor: options.actor },
  );
}
