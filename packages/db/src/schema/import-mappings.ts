import { sql } from "drizzle-orm";
import {
  check,
  foreignKey,
  integer,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAtColumn, idColumn, tenantIdColumn } from "./columns.ts";
import { imports } from "./imports.ts";

/** For a CSV tape, which header column feeds which canonical field. */
export const importMappings = pgTable(
  "import_mappings",
  {
    tenantId: tenantIdColumn(),
    id: idColumn(),
    importId: uuid("import_id").notNull(),
    sourceColumn: text("source_column").notNull(),
    fieldKey: text("field_key").notNull(),
    position: integer("position").notNull(),
    createdAt: createdAtColumn(),
  },
  (t) => [
    primaryKey({ name: "import_mappings_pkey", columns: [t.tenantId, t.id] }),
    foreignKey({
      name: "import_mappings_import_fkey",
      columns: [t.tenantId, t.importId],
      foreignColumns: [imports.tenantId, imports.id],
    }).onDelete("cascade"),
    uniqueIndex("import_mappings_import_field_key").on(
      t.tenantId,
      t.importId,
      t.fieldKey,
    ),
    check("import_mappings_position_nonnegative", sql`${t.position} >= 0`),
  ],
);
