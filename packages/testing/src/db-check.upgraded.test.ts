// db:check's core, checkDatabase(), on a database upgraded in place from
// the legacy fixture: it passes as on a freshly migrated database, and
// still names a table whose row-level security is not forced.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { sql, withDatabase } from "@tapeline/db";
import { createDatabase, dropDatabase } from "@tapeline/db/admin";
import { checkDatabase, formatFindings } from "@tapeline/db/check";
import { openTestConnection } from "@tapeline/db/testing";
import { createUpgradedTestDatabase, type UpgradedTestDatabase } from "./database.ts";

let upgraded: UpgradedTestDatabase;

beforeAll(async () => {
  upgraded = await createUpgradedTestDatabase({ loans: 60 });
});

afterAll(async () => {
  await upgraded?.close();
});

describe("checkDatabase on an upgraded legacy database", () => {
  it("has legacy rows and quarantined rows", async () => {
    const loans = upgraded.report.tables.find((table) => table.table === "loan_candidates");
    expect(loans?.rowsAfter).toBeGreaterThan(0);
    expect(loans?.rowsQuarantined).toBeGreaterThan(0);
  });

  it("passes every check", async () => {
    const report = await checkDatabase({ adminUrl: upgraded.adminUrl });

    expect(report.findings, formatFindings(report.findings)).toEqual([]);
    expect(report.checks).toContain("0002_rls_not_forced");
    expect(report.checks).toContain("migration journal");
    expect(report.checks).toContain("drizzle-kit generate");
    const tenantTables = report.tables.filter((table) => table.tenantTable);
    expect(tenantTables.length).toBeGreaterThanOrEqual(13);
    for (const table of tenantTables) {
      expect(table, table.table).toMatchObject({ rlsEnabled: true, rlsForced: true });
    }
  });

  it("names loan_datapoints on a copy without FORCE", async () => {
    const server = inject("tapeline");
    const copy = `tapeline_upgraded_copy_${randomBytes(5).toString("hex")}`;
    await createDatabase(server.maintenanceUrl, copy, { template: upgraded.name });
    const adminUrl = withDatabase(server.maintenanceUrl, copy);
    try {
      const admin = openTestConnection(adminUrl);
      try {
        await admin.execute(sql`alter table loan_datapoints no force row level security`);
      } finally {
        await admin.close();
      }

      const report = await checkDatabase({ adminUrl, schemaDrift: false });

      expect(report.findings).toEqual([
        expect.objectContaining({
          check: "0002_rls_not_forced",
          object: "table public.loan_datapoints",
          remedy: expect.stringContaining("alter table public.loan_datapoints force row level security"),
        }),
      ]);
    } finally {
      await dropDatabase(server.maintenanceUrl, copy);
    }
  });
});
