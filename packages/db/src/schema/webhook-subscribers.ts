import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { createdAtColumn, idColumn, tenantIdColumn } from "./columns.ts";

/**
 * A tenant's webhook endpoint. The relay POSTs every event whose type is in
 * `event_types` (or every event when it holds "*") to `url`, signed with
 * `secret`. The audit triggers of this table leave `secret` out of the
 * audits rows.
 */
export const webhookSubscribers = pgTable(
  "webhook_subscribers",
  {
    tenantId: tenantIdColumn(),
    id: idColumn(),
    url: text("url").notNull(),
    secret: text("secret").notNull(),
    eventTypes: text("event_types").array().notNull(),
    active: boolean("active").notNull().default(true),
    description: text("description"),
    createdBy: text("created_by").notNull(),
    createdAt: createdAtColumn(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "webhook_subscribers_pkey", columns: [t.tenantId, t.id] }),
    index("webhook_subscribers_active_idx").on(t.tenantId, t.active),
    check("webhook_subscribers_url_http", sql`${t.url} ~ '^https?://'`),
    check("webhook_subscribers_secret_length", sql`length(${t.secret}) >= 32`),
    check(
      "webhook_subscribers_event_types_present",
      sql`cardinality(${t.eventTypes}) >= 1`,
    ),
  ],
);
