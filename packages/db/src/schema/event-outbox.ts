import { sql } from "drizzle-orm";
import {
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAtColumn, idColumn, tenantIdColumn } from "./columns.ts";
import { outboxStatus } from "./enums.ts";

/**
 * Events written in the same transaction as the change they announce. `seq`
 * orders events in insertion order; the worker claims pending rows with
 * `for update skip locked` and leases them until `locked_until`.
 */
export const eventOutbox = pgTable(
  "event_outbox",
  {
    tenantId: tenantIdColumn(),
    id: idColumn(),
    seq: bigint("seq", { mode: "number" }).generatedAlwaysAsIdentity(),
    type: text("type").notNull(),
    aggregateType: text("aggregate_type").notNull(),
    aggregateId: uuid("aggregate_id").notNull(),
    payload: jsonb("payload").notNull().default({}),
    status: outboxStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true })
      .notNull()
      .defaultNow(),
    lockedUntil: timestamp("locked_until", { withTimezone: true }),
    lockedBy: text("locked_by"),
    lastError: text("last_error"),
    createdAt: createdAtColumn(),
    processedAt: timestamp("processed_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ name: "event_outbox_pkey", columns: [t.tenantId, t.id] }),
    index("event_outbox_claim_idx")
      .on(t.nextAttemptAt, t.seq)
      .where(sql`${t.status} in ('pending', 'processing')`),
    index("event_outbox_aggregate_idx").on(t.tenantId, t.aggregateId, t.seq),
  ],
);
