import {
  doublePrecision,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { idColumn, tenantIdColumn } from "./columns.ts";

/** A sampled metric or operational event, per tenant. */
export const monitoringEvents = pgTable(
  "monitoring_events",
  {
    tenantId: tenantIdColumn(),
    id: idColumn(),
    kind: text("kind").notNull(),
    name: text("name").notNull(),
    value: doublePrecision("value").notNull(),
    labels: jsonb("labels").notNull().default({}),
    recordedAt: timestamp("recorded_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "monitoring_events_pkey", columns: [t.tenantId, t.id] }),
    index("monitoring_events_name_idx").on(t.tenantId, t.name, t.recordedAt),
  ],
);
