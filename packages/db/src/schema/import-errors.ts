import { sql } from "drizzle-orm";
import {
  check,
  foreignKey,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  uuid,
} from "drizzle-orm/pg-core";
import { childTenantIdColumn, createdAtColumn, idColumn } from "./columns.ts";
import { imports } from "./imports.ts";

/** A tape row, or one field of it, that could not be imported, and why. */
export const importErrors = pgTable(
  "import_errors",
  {
    // The tenant is checked through import_errors_import_fkey.
    tenantId: childTenantIdColumn(),
    id: idColumn(),
    importId: uuid("import_id").notNull(),
    rowNumber: integer("row_number").notNull(),
    columnName: text("column_name"),
    value: text("value"),
    code: text("code").notNull(),
    reason: text("reason").notNull(),
    createdAt: createdAtColumn(),
  },
  (t) => [
    primaryKey({ name: "import_errors_pkey", columns: [t.tenantId, t.id] }),
    foreignKey({
      name: "import_errors_import_fkey",
      columns: [t.tenantId, t.importId],
      foreignColumns: [imports.tenantId, imports.id],
    }).onDelete("cascade"),
    index("import_errors_import_idx").on(t.tenantId, t.importId, t.rowNumber),
    check("import_errors_row_number_positive", sql`${t.rowNumber} >= 1`),
  ],
);
