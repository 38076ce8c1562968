import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { createdAtColumn, idColumn, tenantIdColumn } from "./columns.ts";
import { importFormat, importStatus } from "./enums.ts";

/** One uploaded loan tape and the state of its processing. */
export const imports = pgTable(
  "imports",
  {
    tenantId: tenantIdColumn(),
    id: idColumn(),
    format: importFormat("format").notNull(),
    fileName: text("file_name").notNull(),
    fileSha256: text("file_sha256").notNull(),
    fileSizeBytes: bigint("file_size_bytes", { mode: "number" }).notNull(),
    storageKey: text("storage_key").notNull(),
    status: importStatus("status").notNull().default("pending"),
    rowCount: integer("row_count"),
    loanCount: integer("loan_count"),
    datapointCount: integer("datapoint_count"),
    errorCount: integer("error_count"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    createdBy: text("created_by").notNull(),
    createdAt: createdAtColumn(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    completedAt: timestamp("completed_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ name: "imports_pkey", columns: [t.tenantId, t.id] }),
    check("imports_file_sha256_hex", sql`${t.fileSha256} ~ '^[0-9a-f]{64}$'`),
    check("imports_file_size_nonnegative", sql`${t.fileSizeBytes} >= 0`),
  ],
);
