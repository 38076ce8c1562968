// Column builders shared by every tenant-owned table.
import { sql } from "drizzle-orm";
import { customType, timestamp, uuid } from "drizzle-orm/pg-core";
import { tenants } from "./tenants.ts";

/** `tenant_id uuid not null references tenants`, the first key column of every tenant table. */
export const tenantIdColumn = () =>
  uuid("tenant_id")
    .notNull()
    .references(() => tenants.id);

/**
 * `tenant_id uuid not null` with no reference of its own, for a table whose
 * composite foreign key (tenant_id, parent_id), with parent_id NOT NULL,
 * already proves that the tenant exists, because the parent's tenant_id
 * references tenants. It saves one reference check per inserted row.
 */
export const childTenantIdColumn = () => uuid("tenant_id").notNull();

export const idColumn = () => uuid("id").notNull().defaultRandom();

/**
 * A UUIDv7 id from app.uuid_v7() (a 48-bit millisecond timestamp, then
 * random bits), for tables filled in bulk. Ids of one import sort together, so
 * primary-key inserts append to the index instead of touching a random
 * page per row. The id reveals when the row was created, to the
 * millisecond, as created_at does.
 */
export const timeOrderedIdColumn = () =>
  uuid("id").notNull().default(sql`app.uuid_v7()`);

export const createdAtColumn = () =>
  timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

/** PostgreSQL's 64-bit transaction id type, read as a decimal string. */
export const xid8 = customType<{ data: string; driverData: string }>({
  dataType: () => "xid8",
});
