import { beforeAll, describe, expect, it } from "vitest";
import { and, asc, eq, loanCandidates, prepareTenantQuery, sql } from "@tapeline/db";
import { openTestConnection } from "@tapeline/db/testing";
import { createTenantPair, useTestDatabase, type TenantPair } from "./index.ts";

const loanFields = {
  id: loanCandidates.id,
  tenantId: loanCandidates.tenantId,
  loanNumber: loanCandidates.loanNumber,
  createdAt: loanCandidates.createdAt,
};

const loansAfter = prepareTenantQuery((db) =>
  db
    .select(loanFields)
    .from(loanCandidates)
    .where(
      and(
        eq(loanCandidates.tenantId, sql.placeholder("tenantId")),
        sql`${loanCandidates.loanNumber} > ${sql.placeholder("after")}`,
      ),
    )
    .orderBy(asc(loanCandidates.loanNumber))
    .prepare("loans_after"),
);

describe("prepareTenantQuery", () => {
  const t = useTestDatabase();
  let tenants: TenantPair;

  beforeAll(async () => {
    tenants = await createTenantPair(t.system);
    for (const [tenant, prefix] of [
      [tenants.tenantA, "A"],
      [tenants.tenantB, "B"],
    ] as const) {
      await t.db.tenant(tenant, (tx) =>
        tx.insert(loanCandidates).values([
          { tenantId: tenant, loanNumber: `${prefix}-1` },
          { tenantId: tenant, loanNumber: `${prefix}-2` },
        ]),
      );
    }
  });

  it("returns what the same builder query returns", async () => {
    const { tenantA } = tenants;
    const [prepared, built] = await t.db.tenant(tenantA, async (tx) => [
      await loansAfter.execute(tx, { after: "A-1" }),
      await tx
        .select(loanFields)
        .from(loanCandidates)
        .where(and(eq(loanCandidates.tenantId, tenantA), sql`${loanCandidates.loanNumber} > 'A-1'`))
        .orderBy(asc(loanCandidates.loanNumber)),
    ]);
    expect(prepared.map((row) => row.loanNumber)).toEqual(["A-2"]);
    expect(prepared).toEqual(built);
  });

  it("filters on the transaction's tenant, not a passed tenantId", async () => {
    const { tenantA, tenantB } = tenants;
    const rows = await t.db.tenant(tenantA, (tx) =>
      loansAfter.execute(tx, { after: "", tenantId: tenantB }),
    );
    expect(rows.map((row) => row.tenantId)).toEqual([tenantA, tenantA]);
  });

  it("runs each call in its own tenant's transaction", async () => {
    for (const [tenant, expected] of [
      [tenants.tenantB, ["B-1", "B-2"]],
      [tenants.tenantA, ["A-1", "A-2"]],
    ] as const) {
      const rows = await t.db.tenant(tenant, (tx) => loansAfter.execute(tx, { after: "" }));
      expect(rows.map((row) => row.loanNumber)).toEqual(expected);
    }
  });

  it("rejects a transaction not opened by db.tenant()", async () => {
    const unscoped = openTestConnection(t.appUrl);
    try {
      await expect(
        unscoped.transaction((tx) => loansAfter.execute(tx, { after: "" })),
      ).rejects.toThrow(/not opened by db.tenant\(\)/);
    } finally {
      await unscoped.close();
    }
  });

  it("keeps the rendered SQL with placeholders for every value", () => {
    expect(loansAfter.sql).toMatch(/"tenant_id" = \$1/);
    expect(loansAfter.sql).toMatch(/> \$2/);
  });
});
