import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStateSchema } from "./state.ts";
import { createScratchDatabase, withAdmin, type ScratchDatabase } from "./test-support.ts";

const quarantineColumns = (adminUrl: string) =>
  withAdmin(adminUrl, async (sql) => {
    const rows = await sql<{ name: string }[]>`
      select attname as name from pg_attribute
      where attrelid = 'quarantine.rows'::regclass and attnum > 0 and not attisdropped
      order by attnum`;
    return rows.map((row) => row.name);
  });

describe("createStateSchema", () => {
  let database: ScratchDatabase;

  beforeAll(async () => {
    database = await createScratchDatabase("state");
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("gives quarantine.rows no tenant_id column", async () => {
    await withAdmin(database.adminUrl, (sql) => createStateSchema(sql));

    const columns = await quarantineColumns(database.adminUrl);
    expect(columns).toContain("row_tenant_id");
    expect(columns).not.toContain("tenant_id");
  });

  it("renames tenant_id in state from an earlier run", async () => {
    const tenant = "0f6c1a52-4e1d-4f7b-9a57-0d3c9f1e2b11";
    await withAdmin(database.adminUrl, async (sql) => {
      await sql`alter table quarantine.rows rename column row_tenant_id to tenant_id`;
      await sql`
        insert into quarantine.rows (table_name, row_id, tenant_id, reason, step, row)
        values ('imports', gen_random_uuid(), ${tenant}, 'tenant_unknown', 'quarantine:imports', '{}')`;
    });

    await withAdmin(database.adminUrl, (sql) => createStateSchema(sql));
    await withAdmin(database.adminUrl, (sql) => createStateSchema(sql));

    expect(await quarantineColumns(database.adminUrl)).not.toContain("tenant_id");
    const stored = await withAdmin(database.adminUrl, (sql) =>
      sql<{ tenant: string }[]>`select row_tenant_id::text as tenant from quarantine.rows`);
    expect(stored).toEqual([{ tenant }]);
  });
});
