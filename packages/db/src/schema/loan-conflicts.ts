import { sql } from "drizzle-orm";
import {
  foreignKey,
  index,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAtColumn, idColumn, tenantIdColumn } from "./columns.ts";
import { conflictKind, conflictStatus } from "./enums.ts";
import { loanCandidates } from "./loan-candidates.ts";
import { loanDatapoints } from "./loan-datapoints.ts";

/**
 * A disagreement between two datapoints of the same loan and key: tape
 * against document, or document against document. At most one is open per
 * loan, key and kind.
 */
export const loanConflicts = pgTable(
  "loan_conflicts",
  {
    tenantId: tenantIdColumn(),
    id: idColumn(),
    loanId: uuid("loan_id").notNull(),
    key: text("key").notNull(),
    kind: conflictKind("kind").notNull(),
    leftDatapointId: uuid("left_datapoint_id").notNull(),
    rightDatapointId: uuid("right_datapoint_id").notNull(),
    leftValue: text("left_value").notNull(),
    rightValue: text("right_value").notNull(),
    status: conflictStatus("status").notNull().default("open"),
    resolutionReason: text("resolution_reason"),
    resolvedBy: text("resolved_by"),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    createdAt: createdAtColumn(),
  },
  (t) => [
    primaryKey({ name: "loan_conflicts_pkey", columns: [t.tenantId, t.id] }),
    foreignKey({
      name: "loan_conflicts_loan_fkey",
      columns: [t.tenantId, t.loanId],
      foreignColumns: [loanCandidates.tenantId, loanCandidates.id],
    }).onDelete("cascade"),
    foreignKey({
      name: "loan_conflicts_left_datapoint_fkey",
      columns: [t.tenantId, t.leftDatapointId],
      foreignColumns: [loanDatapoints.tenantId, loanDatapoints.id],
    }).onDelete("cascade"),
    foreignKey({
      name: "loan_conflicts_right_datapoint_fkey",
      columns: [t.tenantId, t.rightDatapointId],
      foreignColumns: [loanDatapoints.tenantId, loanDatapoints.id],
    }).onDelete("cascade"),
    index("loan_conflicts_loan_idx").on(t.tenantId, t.loanId, t.status),
    index("loan_conflicts_left_datapoint_idx").on(t.tenantId, t.leftDatapointId),
    index("loan_conflicts_right_datapoint_idx").on(t.tenantId, t.rightDatapointId),
    uniqueIndex("loan_conflicts_open_key")
      .on(t.tenantId, t.loanId, t.key, t.kind)
      .where(sql`${t.status} = 'open'`),
  ],
);
