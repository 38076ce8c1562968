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
import { xid8 } from "./columns.ts";
import { outboxStatus } from "./enums.ts";

/**
 * Events written in the same transaction as the change they announce. `seq`
 * orders events in insertion order; `xid` is the writing transaction's id,
 * so the relay claims an event only once every transaction that could still
 * commit a lower `seq` has ended (see docs/outbox.md). The relay claims
 * pending rows with `for update skip locked` and leases them until
 * `locked_until`.
 */
export const eventOutbox = pgTable(
  "event_outbox",
  {
    tenantId: tenantIdColumn(),
    id: idColumn(),
    seq: bigint("seq", { mode: "number" }).generatedAlwaysAsIdentity(),
    xid: xid8("xid")
      .notNull()
      .default(sql`pg_current_xact_id()`),
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
    index("event_outbox_due_idx")
      .on(t.seq)
      .where(sql`${t.status} in ('pending', 'processing')`),
    index("event_outbox_aggregate_idx").on(t.tenantId, t.aggregateId, t.seq),
    index("event_outbox_open_aggregate_idx")
      .on(t.tenantId, t.aggregateId, t.seq)
      .where(sql`${t.status} <> 'done'`),
  ],
);
