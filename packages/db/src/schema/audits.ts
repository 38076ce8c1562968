import {
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAtColumn, tenantIdColumn, timeOrderedIdColumn } from "./columns.ts";
import { auditAction } from "./enums.ts";

/**
 * One row per changed row, written by triggers in the same transaction as
 * the change. No foreign key to the audited row, so history outlives it.
 */
export const audits = pgTable(
  "audits",
  {
    tenantId: tenantIdColumn(),
    id: timeOrderedIdColumn(),
    actor: text("actor").notNull(),
    action: auditAction("action").notNull(),
    tableName: text("table_name").notNull(),
    rowId: uuid("row_id").notNull(),
    before: jsonb("before"),
    after: jsonb("after"),
    createdAt: createdAtColumn(),
  },
  (t) => [
    primaryKey({ name: "audits_pkey", columns: [t.tenantId, t.id] }),
    index("audits_row_idx").on(t.tenantId, t.tableName, t.rowId),
  ],
);
