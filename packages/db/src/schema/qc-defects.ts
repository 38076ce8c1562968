import { sql } from "drizzle-orm";
import {
  check,
  foreignKey,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAtColumn, idColumn, tenantIdColumn } from "./columns.ts";
import { defectStatus, ruleSeverity } from "./enums.ts";
import { loanCandidates } from "./loan-candidates.ts";
import { qcRules } from "./qc-rules.ts";
import { GLOBAL_TENANT_ID } from "./tenants.ts";

/**
 * A QC rule that failed for a loan. `rule_tenant_id` is the rule's owner:
 * the defect's own tenant or the global pseudo-tenant.
 */
export const qcDefects = pgTable(
  "qc_defects",
  {
    tenantId: tenantIdColumn(),
    id: idColumn(),
    loanId: uuid("loan_id").notNull(),
    ruleTenantId: uuid("rule_tenant_id").notNull(),
    ruleId: uuid("rule_id").notNull(),
    status: defectStatus("status").notNull().default("open"),
    severity: ruleSeverity("severity").notNull(),
    message: text("message").notNull(),
    details: jsonb("details").notNull().default({}),
    createdAt: createdAtColumn(),
    closedAt: timestamp("closed_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ name: "qc_defects_pkey", columns: [t.tenantId, t.id] }),
    foreignKey({
      name: "qc_defects_loan_fkey",
      columns: [t.tenantId, t.loanId],
      foreignColumns: [loanCandidates.tenantId, loanCandidates.id],
    }).onDelete("cascade"),
    foreignKey({
      name: "qc_defects_rule_fkey",
      columns: [t.ruleTenantId, t.ruleId],
      foreignColumns: [qcRules.tenantId, qcRules.id],
    }).onDelete("restrict"),
    index("qc_defects_loan_idx").on(t.tenantId, t.loanId, t.status),
    index("qc_defects_rule_idx").on(t.ruleTenantId, t.ruleId),
    uniqueIndex("qc_defects_open_key")
      .on(t.tenantId, t.loanId, t.ruleId)
      .where(sql`${t.status} = 'open'`),
    check(
      "qc_defects_rule_tenant",
      sql`${t.ruleTenantId} = ${t.tenantId} or ${t.ruleTenantId} = ${sql.raw(`'${GLOBAL_TENANT_ID}'::uuid`)}`,
    ),
  ],
);
