import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  and,
  connectApp,
  eq,
  loanCandidates,
  sql,
  TenantTransactionAbortedError,
  TenantTransactionEndedError,
  tenantContextOf,
  type AppDatabase,
  type TenantTransaction,
} from "@tapeline/db";
import { openTestConnection } from "@tapeline/db/testing";
import { createTenantPair, useTestDatabase, type TenantPair } from "./index.ts";

// db.tenant() writes BEGIN and app.set_tenant ahead of the first statement
// on a reserved connection and runs Drizzle's queries as prepared
// statements cached per connection. These tests pin what that must not
// change.
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

  async function loanNumbersOf(tenant: string): Promise<string[]> {
    const rows = await single.tenant(tenant, (tx) =>
      tx
        .select({ loanNumber: loanCandidates.loanNumber })
        .from(loanCandidates)
        .where(eq(loanCandidates.tenantId, tenant))
        .orderBy(loanCandidates.loanNumber),
    );
    return rows.map((row) => row.loanNumber);
  }

  it("rolls back a caught statement failure", async () => {
    const tenant = tenants.tenantA;
    const attempt = single.tenant(tenant, async (tx) => {
      await tx.insert(loanCandidates).values({ tenantId: tenant, loanNumber: "A-caught" });
      // A duplicate loan number: the unique key rejects it.
      await tx
        .insert(loanCandidates)
        .values({ tenantId: tenant, loanNumber: "A-1" })
        .catch(() => undefined);
      return "returned";
    });
    await expect(attempt).rejects.toBeInstanceOf(TenantTransactionAbortedError);
    await expect(attempt).rejects.toThrow(/rolled back, not committed/);
    expect(await loanNumbersOf(tenant)).toEqual(["A-1"]);
  });

  it("rolls back a failed nested savepoint", async () => {
    const tenant = tenants.tenantB;
    await single.tenant(tenant, async (tx) => {
      await tx.insert(loanCandidates).values({ tenantId: tenant, loanNumber: "B-outer" });
      await expect(
        tx.transaction(async (nested) => {
          await nested.insert(loanCandidates).values({ tenantId: tenant, loanNumber: "B-inner" });
          await nested.insert(loanCandidates).values({ tenantId: tenant, loanNumber: "B-1" });
        }),
      ).rejects.toMatchObject({ cause: { code: "23505" } });
      await tx.transaction((nested) =>
        nested.insert(loanCandidates).values({ tenantId: tenant, loanNumber: "B-nested" }),
      );
    });
    expect(await loanNumbersOf(tenant)).toEqual(["B-1", "B-nested", "B-outer"]);
    await single.tenant(tenant, (tx) =>
      tx
        .delete(loanCandidates)
        .where(and(eq(loanCandidates.tenantId, tenant), sql`${loanCandidates.loanNumber} <> 'B-1'`)),
    );
  });

  it("leaves nothing after a thrown callback", async () => {
    const tenant = tenants.tenantA;
    const failure = new Error("callback failed after its insert");
    await expect(
      single.tenant(tenant, async (tx) => {
        await tx.insert(loanCandidates).values({ tenantId: tenant, loanNumber: "A-thrown" });
        throw failure;
      }),
    ).rejects.toBe(failure);
    // The pool has one connection: had the transaction stayed open, this
    // read would run inside it and see the insert.
    expect(await loanNumbersOf(tenant)).toEqual(["A-1"]);
  });

  it("rejects db.tenant() on a closed pool", async () => {
    const closed = connectApp(t.appUrl, { max: 1 });
    await closed.close();
    await expect(
      closed.tenant(tenants.tenantA, (tx) => tx.select().from(loanCandidates)),
    ).rejects.toThrow(/this pool is closed/);
  });

  it("rejects statements after the transaction ends", async () => {
    const { tenantA, tenantB } = tenants;
    let leaked: TenantTransaction | undefined;
    await single.tenant(tenantA, async (tx) => {
      leaked = tx;
    });
    const stale = leaked!;
    // The pool has one connection, so tenant B's transaction runs on it.
    const seenByB = await single.tenant(tenantB, async (tx) => {
      await expect(stale.select().from(loanCandidates)).rejects.toMatchObject({
        cause: expect.any(TenantTransactionEndedError),
      });
      return tx.select({ loanNumber: loanCandidates.loanNumber }).from(loanCandidates);
    });
    expect(seenByB).toEqual([{ loanNumber: "B-1" }]);
  });

  it("rejects a late write after rollback", async () => {
    const tenant = tenants.tenantA;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let lateWrite: Promise<unknown> | undefined;
    await expect(
      single.tenant(tenant, async (tx) => {
        lateWrite = gate.then(() =>
          tx.insert(loanCandidates).values({ tenantId: tenant, loanNumber: "A-late" }),
        );
        throw new Error("callback failed before its other branch wrote");
      }),
    ).rejects.toThrow(/callback failed/);
    release();
    await expect(lateWrite).rejects.toMatchObject({
      cause: expect.any(TenantTransactionEndedError),
    });
    expect(await loanNumbersOf(tenant)).toEqual(["A-1"]);
  });

  it("reports an unawaited failure at COMMIT", async () => {
    const tenant = tenants.tenantA;
    const attempt = single.tenant(tenant, async (tx) => {
      const { client } = tenantContextOf(tx);
      // Not awaited: a duplicate loan number the unique key rejects. Its
      // failure must not surface as an unhandled rejection.
      void client`insert into loan_candidates (tenant_id, loan_number) values (${tenant}, 'A-1')`;
    });
    await expect(attempt).rejects.toBeInstanceOf(TenantTransactionAbortedError);
  });

  it("gives nested transactions the tenant context", async () => {
    const tenant = tenants.tenantB;
    const nestedTenant = await single.tenant(tenant, (tx) =>
      tx.transaction(async (nested) => tenantContextOf(nested).tenantId),
    );
    expect(nestedTenant).toBe(tenant);
  });
});
