import { pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * The nil UUID names the pseudo-tenant that owns global QC rules. No
 * transaction can act as it: `app.set_tenant` rejects it.
 */
export const GLOBAL_TENANT_ID = "00000000-0000-0000-0000-000000000000";

export const tenants = pgTable(
  "tenants",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("tenants_slug_key").on(t.slug)],
);
