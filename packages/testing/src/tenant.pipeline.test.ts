import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, connectApp, eq, loanCandidates, sql, type AppDatabase } from "@tapeline/db";
import { openTestConnection } from "@tapeline/db/testing";
import { createTenantPair, useTestDatabase, type TenantPair } from "./index.ts";

// db.tenant() pipelines app.set_tenant with the first statement and runs
// Drizzle's queries as prepared statements cached per connection. These
// tests pin what that must not change.
describe("db.tenant pipelining and prepared statements", () => {
  const t = useTestDatabase();
  let tenants: TenantPair;
  let single: AppDatabase;

  beforeAll(async () => {
    tenants = await createTenantPair(t.system);
    for (const [tenant, loanNumber] of [
      [tenants.tenantA, "A-1"],
      [tenants.tenantB, "B-1"],
    ] as const) {
      await t.db.tenant(tenant, (tx) => tx.insert(loanCandidates).values({ tenantId: tenant, loanNumber }));
    }
    // One connection, so every transaction below reuses its prepared statements.
    single = connectApp(t.appUrl, { max: 1 });
  });

  afterAll(async () => {
    await single?.close();
  });

  it("scopes a reused prepared statement to each transaction's tenant", async () => {
    // PostgreSQL may switch a prepared statement to a generic plan after
    // five executions; the tenant must still come from this transaction.
    for (let round = 0; round < 8; round++) {
      for (const [tenant, expected] of [
        [tenants.tenantA, "A-1"],
        [tenants.tenantB, "B-1"],
      ] as const) {
        const rows = await single.tenant(tenant, (tx) =>
          tx
            .select({ loanNumber: loanCandidates.loanNumber })
            .from(loanCandidates)
            .where(and(eq(loanCandidates.tenantId, tenant))),
        );
        expect(rows.map((row) => row.loanNumber), `round ${round}`).toEqual([expected]);
      }
    }
  });

  it("hides other tenants from an unfiltered reused statement", async () => {
    for (let round = 0; round < 8; round++) {
      const tenant = round % 2 === 0 ? tenants.tenantA : tenants.tenantB;
      const rows = await single.tenant(tenant, (tx) =>
        tx.select({ tenantId: loanCandidates.tenantId }).from(loanCandidates),
      );
      expect(rows, `round ${round}`).toEqual([{ tenantId: tenant }]);
    }
  });

  it("throws the set_tenant error, not the aborted statement's", async () => {
    const admin = openTestConnection(t.adminUrl);
    await admin.execute(sql`revoke execute on function app.set_tenant(uuid, text) from tapeline_app`);
    try {
      const fresh = connectApp(t.appUrl, { max: 1 });
      try {
        const attempt = fresh.tenant(tenants.tenantA, (tx) => tx.select().from(loanCandidates));
        await expect(attempt).rejects.toMatchObject({ code: "42501" });
        await expect(attempt).rejects.toThrow(/permission denied for function set_tenant/);
      } finally {
        await fresh.close();
      }
    } finally {
      await admin.execute(sql`grant execute on function app.set_tenant(uuid, text) to tapeline_app`);
      await admin.close();
    }
  });
});
