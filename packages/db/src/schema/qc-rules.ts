import {
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { createdAtColumn, idColumn, tenantIdColumn } from "./columns.ts";
import { ruleSeverity, ruleStatus } from "./enums.ts";

/**
 * A declarative QC rule. Global rules belong to GLOBAL_TENANT_ID: every
 * tenant reads them and none may write them. Rules are retired, not deleted,
 * once they have defects.
 */
export const qcRules = pgTable(
  "qc_rules",
  {
    tenantId: tenantIdColumn(),
    id: idColumn(),
    code: text("code").notNull(),
    name: text("name").notNull(),
    definition: jsonb("definition").notNull(),
    severity: ruleSeverity("severity").notNull(),
    message: text("message").notNull(),
    status: ruleStatus("status").notNull().default("active"),
    createdAt: createdAtColumn(),
    retiredAt: timestamp("retired_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ name: "qc_rules_pkey", columns: [t.tenantId, t.id] }),
    uniqueIndex("qc_rules_code_key").on(t.tenantId, t.code),
  ],
);
