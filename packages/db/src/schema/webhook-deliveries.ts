import {
  foreignKey,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { childTenantIdColumn, createdAtColumn, idColumn } from "./columns.ts";
import { webhookDeliveryStatus } from "./enums.ts";
import { eventOutbox } from "./event-outbox.ts";
import { webhookSubscribers } from "./webhook-subscribers.ts";

/**
 * The delivery of one event to one subscriber. A row with status
 * `delivered` means the receiver responded with 2xx; the relay never posts that
 * event to that subscriber again. A `failed` row records the last failure
 * until a later attempt succeeds.
 */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    // The tenant is checked through webhook_deliveries_subscriber_fkey
    // (subscriber_id is NOT NULL, and the subscriber's tenant_id references tenants).
    tenantId: childTenantIdColumn(),
    id: idColumn(),
    subscriberId: uuid("subscriber_id").notNull(),
    eventId: uuid("event_id").notNull(),
    status: webhookDeliveryStatus("status").notNull(),
    attempts: integer("attempts").notNull().default(1),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    createdAt: createdAtColumn(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ name: "webhook_deliveries_pkey", columns: [t.tenantId, t.id] }),
    uniqueIndex("webhook_deliveries_subscriber_event_key").on(
      t.tenantId,
      t.subscriberId,
      t.eventId,
    ),
    index("webhook_deliveries_event_idx").on(t.tenantId, t.eventId),
    foreignKey({
      name: "webhook_deliveries_subscriber_fkey",
      columns: [t.tenantId, t.subscriberId],
      foreignColumns: [webhookSubscribers.tenantId, webhookSubscribers.id],
    }).onDelete("cascade"),
    foreignKey({
      name: "webhook_deliveries_event_fkey",
      columns: [t.tenantId, t.eventId],
      foreignColumns: [eventOutbox.tenantId, eventOutbox.id],
    }),
  ],
);
