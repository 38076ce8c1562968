import {
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { createdAtColumn, tenantIdColumn, timeOrderedIdColumn } from "./columns.ts";

/** A loan under review, known by the lender's loan number (the ULI for HMDA tapes). */
export const loanCandidates = pgTable(
  "loan_candidates",
  {
    tenantId: tenantIdColumn(),
    id: timeOrderedIdColumn(),
    loanNumber: text("loan_number").notNull(),
    createdAt: createdAtColumn(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "loan_candidates_pkey", columns: [t.tenantId, t.id] }),
    uniqueIndex("loan_candidates_loan_number_key").on(t.tenantId, t.loanNumber),
  ],
);
