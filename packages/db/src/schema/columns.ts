// Column builders shared by every tenant-owned table.
import { customType, timestamp, uuid } from "drizzle-orm/pg-core";
import { tenants } from "./tenants.ts";

/** `tenant_id uuid not null references tenants`, the first key column of every tenant table. */
export const tenantIdColumn = () =>
  uuid("tenant_id")
    .notNull()
    .references(() => tenants.id);

export const idColumn = () => uuid("id").notNull().defaultRandom();

export const createdAtColumn = () =>
  timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

/** PostgreSQL's 64-bit transaction id type, read as a decimal string. */
export const xid8 = customType<{ data: string; driverData: string }>({
  dataType: () => "xid8",
});
