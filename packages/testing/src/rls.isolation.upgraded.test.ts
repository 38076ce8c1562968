// The isolation suite (isolation-suite.ts) on a database upgraded in place
// from the legacy fixture, probing two legacy tenants, so every probe runs
// next to migrated legacy rows. Then the legacy rows themselves: the rows
// tenant A owned before the upgrade stay invisible and untouchable for B.
import { afterAll, describe, expect, it } from "vitest";
import { SqlState, sql, type SQL } from "@tapeline/db";
import { openTestConnection } from "@tapeline/db/testing";
import { listTenantTables } from "./catalog.ts";
import { createUpgradedTestDatabase } from "./database.ts";
import { defineIsolationSuite } from "./isolation-suite.ts";
import { captureSqlError } from "./sql-errors.ts";
import { inRolledBackTenant } from "./tenant-transactions.ts";

// Legacy tables the fixture leaves without rows of one lender: its QC
// rules are all global, and monitoring_events is new in the target schema.
const TABLES_WITHOUT_LEGACY_ROWS = ["monitoring_events", "qc_rules", "webhook_deliveries", "webhook_subscribers"];

const t = await createUpgradedTestDatabase();
const admin = openTestConnection(t.adminUrl);
afterAll(async () => {
  await admin.close();
  await t.close();
});

const tenantOf = async (slug: string) => {
  const rows = await admin.execute<{ id: string }>(sql`select id::text from tenants where slug = ${slug}`);
  if (!rows[0]) {
    throw new Error(`Tenant ${slug} not found after the upgrade: packages/db/legacy/fixture.sql creates lender-1 to lender-5.`);
  }
  return rows[0].id;
};
const tenantA = await tenantOf("lender-1");
const tenantB = await tenantOf("lender-2");

/** Ids of A's rows in each tenant table, read before any probe inserts a row. */
const legacyIdsOfA = new Map<string, string[]>();
const tables = await listTenantTables(admin);
for (const table of tables) {
  const rows = await admin.execute<{ id: string }>(sql`
    select id::text from ${sql.identifier(table.name)}
    where ${sql.identifier(table.tenantColumn)} = ${tenantA} order by id`);
  legacyIdsOfA.set(table.name, rows.map((row) => row.id));
}

await defineIsolationSuite({ db: t.db, adminUrl: t.adminUrl, appUrl: t.appUrl, tenantA, tenantB });

const idsOf = (table: string) => legacyIdsOfA.get(table) ?? [];
/** `id = any(...)` over one array literal, so any number of ids is one bind parameter. */
function whereIdIn(ids: string[]): SQL {
  const arrayLiteral = `{${ids.join(",")}}`;
  return sql`id = any(${arrayLiteral}::uuid[])`;
}

async function countAs(tenantId: string, table: string, ids: string[]): Promise<number> {
  const rows = await t.db.tenant(tenantId, (tx) =>
    tx.execute<{ count: number }>(
      sql`select count(*)::int as count from ${sql.identifier(table)} where ${whereIdIn(ids)}`,
    ),
  );
  return rows[0]!.count;
}

const affectedAs = (tenantId: string, query: SQL) =>
  inRolledBackTenant(t.db, tenantId, async (tx) => (await tx.execute(query)).count);

describe("upgraded legacy database", () => {
  it("balances the upgrade report", () => {
    expect(t.report.phaseCompleted).toBe("switch");
    expect(t.report.balanced).toBe(true);
  });

  it("has legacy rows of A in every legacy table", () => {
    const withRows = [...legacyIdsOfA].filter(([, ids]) => ids.length > 0).map(([name]) => name);
    const expected = [...legacyIdsOfA.keys()].filter((name) => !TABLES_WITHOUT_LEGACY_ROWS.includes(name));
    expect(withRows).toEqual(expected);
    expect(idsOf("loan_datapoints").length).toBeGreaterThan(100);
  });

  it("keeps the upgrade's schemas from the application role", async () => {
    const app = openTestConnection(t.appUrl);
    try {
      for (const table of ["quarantine.rows", "tapeline_upgrade.verdicts", "tapeline_upgrade.report"]) {
        const [schema, name] = table.split(".") as [string, string];
        const error = await captureSqlError(
          app.execute(sql`select count(*) from ${sql.identifier(schema)}.${sql.identifier(name)}`),
        );
        expect(error.code, table).toBe(SqlState.insufficientPrivilege);
      }
    } finally {
      await app.close();
    }
  });
});

for (const table of tables) {
  const ids = idsOf(table.name);
  if (ids.length === 0) continue;

  describe(`legacy rows of A in ${table.name}`, () => {
    it("shows A all of them", async () => {
      expect(await countAs(tenantA, table.name, ids)).toBe(ids.length);
    });

    it("hides them from B", async () => {
      expect(await countAs(tenantB, table.name, ids)).toBe(0);
    });

    it("lets B update and delete none of them", async () => {
      const touched = table.name === "tenants" ? "name" : "tenant_id";
      const touch = sql`
        update ${sql.identifier(table.name)} set ${sql.identifier(touched)} = ${sql.identifier(touched)}
        where ${whereIdIn(ids)}`;
      const remove = sql`delete from ${sql.identifier(table.name)} where ${whereIdIn(ids)}`;

      for (const [query, granted] of [
        [touch, table.appPrivileges.update],
        [remove, table.appPrivileges.delete],
      ] as const) {
        if (!granted) {
          const error = await captureSqlError(affectedAs(tenantB, query));
          expect(error.code, `${table.name}: B's statement`).toBe(SqlState.insufficientPrivilege);
          continue;
        }
        expect(await affectedAs(tenantB, query), `${table.name}: rows B changed`).toBe(0);
        expect(await affectedAs(tenantA, query), `${table.name}: rows A changed`).toBe(ids.length);
      }
      expect(await countAs(tenantA, table.name, ids)).toBe(ids.length);
    });
  });
}
