// The tables whose policies differ from "own tenant only": global QC rules,
// append-only audits, the outbox and its relay, and the tenants registry.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GLOBAL_TENANT_ID, SqlState, enqueueEvent, sql } from "@tapeline/db";
import { openTestConnection } from "@tapeline/db/testing";
import { createTenantPair } from "./fixtures.ts";
import { TableFixtures } from "./fixtures-by-table.ts";
import { useTestDatabase } from "./database.ts";
import { countWhereSql, deleteWhereSql, insertRowSql, updateRowSql, type ColumnValues } from "./row-sql.ts";
import { captureSqlError } from "./sql-errors.ts";
import { inRolledBackTenant } from "./tenant-transactions.ts";
import type { TestConnection } from "@tapeline/db/testing";

const t = useTestDatabase();
let tenantA: string;
let tenantB: string;
let fixtures: TableFixtures;
let admin: TestConnection;
let relay: TestConnection;

beforeAll(async () => {
  ({ tenantA, tenantB } = await createTenantPair(t.system));
  fixtures = new TableFixtures(t.db);
  admin = openTestConnection(t.adminUrl);
  relay = openTestConnection(t.relayUrl);
});

afterAll(async () => {
  await Promise.all([admin?.close(), relay?.close()]);
});

const countAs = async (tenantId: string, table: string, id: unknown) => {
  const rows = await t.db.tenant(tenantId, (tx) =>
    tx.execute<{ count: number }>(countWhereSql(table, "id", id)),
  );
  return rows[0]!.count;
};

const affectedAs = (tenantId: string, query: ReturnType<typeof sql>) =>
  inRolledBackTenant(t.db, tenantId, async (tx) => (await tx.execute(query)).count);

describe("qc_rules", () => {
  let globalRule: ColumnValues;

  beforeAll(async () => {
    const rows = await admin.execute<{ row: ColumnValues }>(
      insertRowSql("qc_rules", {
        tenant_id: GLOBAL_TENANT_ID,
        code: `GLOBAL-${randomUUID()}`,
        name: "Rate within range",
        definition: { field: "interest_rate", op: "between", min: 0, max: 25 },
        severity: "critical",
        message: "Interest rate out of range",
      }),
    );
    globalRule = rows[0]!.row;
  });

  it("shows a global rule to every tenant", async () => {
    expect(await countAs(tenantA, "qc_rules", globalRule.id)).toBe(1);
    expect(await countAs(tenantB, "qc_rules", globalRule.id)).toBe(1);
  });

  it("hides global rules without a tenant", async () => {
    const unscoped = openTestConnection(t.appUrl);
    try {
      const seen = await unscoped.execute<{ count: number }>(countWhereSql("qc_rules", "id", globalRule.id));
      expect(seen[0]!.count).toBe(0);
    } finally {
      await unscoped.close();
    }
    expect(await countAs(tenantA, "qc_rules", globalRule.id)).toBe(1);
  });

  it("lets no tenant change or delete a global rule", async () => {
    for (const tenant of [tenantA, tenantB]) {
      const rename = updateRowSql("qc_rules", globalRule.id, { name: "changed" });
      const takeOver = updateRowSql("qc_rules", globalRule.id, { tenant_id: tenant });
      expect(await affectedAs(tenant, rename)).toBe(0);
      expect(await affectedAs(tenant, takeOver)).toBe(0);
      expect(await affectedAs(tenant, deleteWhereSql("qc_rules", "id", globalRule.id))).toBe(0);
    }
    const rows = await admin.execute<{ name: string; tenant_id: string }>(
      sql`select name, tenant_id from qc_rules where id = ${String(globalRule.id)}`,
    );
    expect(rows[0]).toEqual({ name: "Rate within range", tenant_id: GLOBAL_TENANT_ID });
  });

  it("rejects a tenant creating a global rule", async () => {
    const values = { ...(await fixtures.build(tenantA, "qc_rules")), tenant_id: GLOBAL_TENANT_ID };
    const error = await captureSqlError(
      t.db.tenant(tenantA, (tx) => tx.execute(insertRowSql("qc_rules", values))),
    );
    expect(error.code).toBe(SqlState.insufficientPrivilege);
    expect(error.message).toMatch(/row-level security/);
  });

  it("grants nothing to a session set to the global tenant", async () => {
    const values = { ...(await fixtures.build(tenantA, "qc_rules")), tenant_id: GLOBAL_TENANT_ID };
    const unscoped = openTestConnection(t.appUrl);
    try {
      const error = await captureSqlError(
        unscoped.transaction(async (tx) => {
          await tx.execute(sql`select set_config('app.tenant_id', ${GLOBAL_TENANT_ID}, true)`);
          const seen = await tx.execute<{ count: number }>(
            countWhereSql("qc_rules", "id", globalRule.id),
          );
          expect(seen[0]!.count).toBe(0);
          await tx.execute(insertRowSql("qc_rules", values));
        }),
      );
      expect(error.code).toBe(SqlState.insufficientPrivilege);
    } finally {
      await unscoped.close();
    }
  });

  it("rejects a tenant turning its rule global", async () => {
    const own = await fixtures.insert(tenantA, "qc_rules");
    const error = await captureSqlError(
      t.db.tenant(tenantA, (tx) =>
        tx.execute(updateRowSql("qc_rules", own.id, { tenant_id: GLOBAL_TENANT_ID })),
      ),
    );
    expect(error.code).toBe(SqlState.insufficientPrivilege);
  });

  it("keeps a tenant's own rule to that tenant", async () => {
    const own = await fixtures.insert(tenantA, "qc_rules");
    expect(await countAs(tenantA, "qc_rules", own.id)).toBe(1);
    expect(await countAs(tenantB, "qc_rules", own.id)).toBe(0);
    expect(await affectedAs(tenantA, updateRowSql("qc_rules", own.id, { name: "renamed" }))).toBe(1);
    expect(await affectedAs(tenantB, updateRowSql("qc_rules", own.id, { name: "renamed" }))).toBe(0);
  });

  it("lets a defect cite a global rule", async () => {
    const defect = await fixtures.insert(tenantB, "qc_defects", {
      rule_tenant_id: GLOBAL_TENANT_ID,
      rule_id: globalRule.id,
    });
    expect(defect.rule_tenant_id).toBe(GLOBAL_TENANT_ID);
  });

  it("rejects a defect citing another tenant's rule", async () => {
    const ruleOfA = await fixtures.insert(tenantA, "qc_rules");
    const values = {
      ...(await fixtures.build(tenantB, "qc_defects")),
      rule_tenant_id: tenantA,
      rule_id: ruleOfA.id,
    };
    const error = await captureSqlError(
      t.db.tenant(tenantB, (tx) => tx.execute(insertRowSql("qc_defects", values))),
    );
    expect(error.code).toBe(SqlState.checkViolation);
    expect(error.constraint).toBe("qc_defects_rule_tenant");
  });
});

describe("audits", () => {
  it("lets a tenant insert and read its audits", async () => {
    const row = await fixtures.insert(tenantA, "audits");
    expect(await countAs(tenantA, "audits", row.id)).toBe(1);
    expect(await countAs(tenantB, "audits", row.id)).toBe(0);
  });

  it("rejects updating or deleting an audit", async () => {
    const row = await fixtures.insert(tenantA, "audits");
    for (const query of [
      updateRowSql("audits", row.id, { actor: "someone else" }),
      deleteWhereSql("audits", "id", row.id),
    ]) {
      const error = await captureSqlError(t.db.tenant(tenantA, (tx) => tx.execute(query)));
      expect(error.code).toBe(SqlState.insufficientPrivilege);
      expect(error.message).toMatch(/permission denied for table audits/);
    }
  });

  it("records a tenant's change for that tenant only", async () => {
    const loan = await fixtures.insert(tenantA, "loan_candidates");
    const audited = sql`
      select count(*)::int as count from audits
      where table_name = 'loan_candidates' and row_id = ${String(loan.id)}`;
    const seenBy = async (tenant: string) =>
      (await t.db.tenant(tenant, (tx) => tx.execute<{ count: number }>(audited)))[0]!.count;
    expect(await seenBy(tenantA)).toBe(1);
    expect(await seenBy(tenantB)).toBe(0);
  });
});

describe("event_outbox", () => {
  let eventA: string;
  let eventB: string;

  beforeAll(async () => {
    const event = { type: "import.created", aggregateType: "import", aggregateId: randomUUID() };
    eventA = await t.db.tenant(tenantA, (tx) => enqueueEvent(tx, event));
    eventB = await t.db.tenant(tenantB, (tx) => enqueueEvent(tx, event));
  });

  it("shows a tenant only its own events", async () => {
    expect(await countAs(tenantA, "event_outbox", eventA)).toBe(1);
    expect(await countAs(tenantA, "event_outbox", eventB)).toBe(0);
    expect(await countAs(tenantB, "event_outbox", eventA)).toBe(0);
  });

  it("rejects a tenant updating or deleting its events", async () => {
    for (const query of [
      updateRowSql("event_outbox", eventA, { status: "done" }),
      deleteWhereSql("event_outbox", "id", eventA),
    ]) {
      const error = await captureSqlError(t.db.tenant(tenantA, (tx) => tx.execute(query)));
      expect(error.code).toBe(SqlState.insufficientPrivilege);
    }
  });

  it("lets the relay read and update every tenant's events", async () => {
    const ids = sql`(${eventA}::uuid, ${eventB}::uuid)`;
    const seen = await relay.execute<{ count: number }>(
      sql`select count(*)::int as count from event_outbox where id in ${ids}`,
    );
    expect(seen[0]!.count).toBe(2);

    const rollback = new Error("roll back");
    let updated = 0;
    await expect(
      relay.transaction(async (tx) => {
        const result = await tx.execute(
          sql`update event_outbox set attempts = attempts + 1 where id in ${ids}`,
        );
        updated = result.count;
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect(updated).toBe(2);
  });

  it("rejects the relay inserting or deleting events", async () => {
    const insert = insertRowSql("event_outbox", {
      tenant_id: tenantA,
      type: "forged",
      aggregate_type: "import",
      aggregate_id: randomUUID(),
    });
    for (const query of [insert, deleteWhereSql("event_outbox", "id", eventA)]) {
      const error = await captureSqlError(relay.execute(query));
      expect(error.code).toBe(SqlState.insufficientPrivilege);
    }
  });

  it("rejects the relay reading any other table", async () => {
    const error = await captureSqlError(relay.execute(sql`select count(*) from loan_candidates`));
    expect(error.code).toBe(SqlState.insufficientPrivilege);
  });

  it("grants the relay nothing but event_outbox select and update", async () => {
    const grants = await admin.execute<{ object: string; privilege: string }>(sql`
      select format('%I.%I', n.nspname, c.relname) as object, p.privilege
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',
                               'REFERENCES', 'TRIGGER']) as p(privilege)
      where n.nspname in ('public', 'app', 'drizzle')
        and c.relkind in ('r', 'p', 'v', 'm', 'f')
        and has_table_privilege('tapeline_relay', c.oid, p.privilege)
      union all
      select format('sequence %I.%I', n.nspname, c.relname), 'USAGE'
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      where n.nspname in ('public', 'app', 'drizzle')
        and case when c.relkind = 'S'
                 then has_sequence_privilege('tapeline_relay', c.oid, 'USAGE')
                 else false end
      union all
      select format('function %s', p.oid::regprocedure), 'EXECUTE'
      from pg_proc p
      join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'app' and has_function_privilege('tapeline_relay', p.oid, 'EXECUTE')
        -- EXECUTE on a trigger function (PUBLIC holds it on app.audit_*) grants
        -- nothing: PostgreSQL only runs such functions as triggers.
        and p.prorettype <> 'trigger'::regtype
      order by 1, 2`);
    expect(grants).toEqual([
      { object: "public.event_outbox", privilege: "SELECT" },
      { object: "public.event_outbox", privilege: "UPDATE" },
    ]);
  });
});

describe("tenants", () => {
  it("shows a tenant only its own row", async () => {
    const rows = await t.db.tenant(tenantA, (tx) =>
      tx.execute<{ id: string }>(sql`select id from tenants order by id`),
    );
    expect(rows.map((row) => row.id)).toEqual([tenantA]);
  });

  it("rejects a tenant renaming itself", async () => {
    const error = await captureSqlError(
      t.db.tenant(tenantA, (tx) => tx.execute(updateRowSql("tenants", tenantA, { name: "mine" }))),
    );
    expect(error.code).toBe(SqlState.insufficientPrivilege);
  });
});
