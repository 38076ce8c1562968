// Tenant isolation, generated from the catalog: every table in schema
// public with a tenant_id column (and tenants) gets the same probes, run as
// the application role through db.tenant(). Tenant A owns the rows; tenant
// B tries to read, change, move, reference or detect them. Each refusal is
// paired with a positive control (the same statement succeeding for the
// owner) so a probe that could never fail would show up as a failure.
// defineIsolationSuite registers the suite for any database, so the same
// cases run on a freshly migrated database and on an upgraded legacy one.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqlState, sql } from "@tapeline/db";
import { openTestConnection } from "@tapeline/db/testing";
import { listTenantTables, type TenantTable } from "./catalog.ts";
import { fixtureFactories, missingFactories } from "./fixture-factories.ts";
import {
  IsolationProbes,
  PERMISSION_DENIED,
  RLS_VIOLATION,
  type IsolationTarget,
} from "./isolation-probes.ts";
import {
  countWhereSql,
  deleteWhereSql,
  insertRowSql,
  touchWhereSql,
  updateRowSql,
  type ColumnValues,
} from "./row-sql.ts";
import { captureSqlError } from "./sql-errors.ts";
import { inRolledBackTenant } from "./tenant-transactions.ts";

export type { IsolationTarget } from "./isolation-probes.ts";

/** The rows of A and B that one table's probes use, set in that table's beforeAll. */
interface ProbedRows {
  a: ColumnValues;
  b: ColumnValues;
}

/**
 * Registers the isolation suite for `target` in the calling test file.
 * Reads the tenant tables from the target's catalog first, so call it with
 * await at the top level, after the database exists. Closes only the
 * connections it opens; the caller closes `target.db` and the database.
 */
export async function defineIsolationSuite(target: IsolationTarget): Promise<void> {
  const admin = openTestConnection(target.adminUrl);
  const unscoped = openTestConnection(target.appUrl);
  const tables = await listTenantTables(admin);
  const probes = new IsolationProbes(target, admin, unscoped);
  afterAll(async () => {
    await Promise.all([admin.close(), unscoped.close()]);
  });

  describeCatalog(tables);
  for (const table of tables) describeTableIsolation(probes, table);
  describePooledSession(probes, tables);
}

function describeCatalog(tables: TenantTable[]) {
  describe("tenant table catalog", () => {
    it("finds the tenant tables", () => {
      const names = tables.map((table) => table.name);
      expect(names).toContain("tenants");
      expect(names).toContain("loan_datapoints");
      expect(names.length).toBeGreaterThanOrEqual(13);
    });

    it("has a factory for every tenant table", () => {
      expect(missingFactories(tables.map((table) => table.name))).toEqual([]);
    });

    it("has no factory for a table that is gone", () => {
      const names = new Set(tables.map((table) => table.name));
      expect(Object.keys(fixtureFactories).filter((name) => !names.has(name))).toEqual([]);
    });
  });
}

function describeTableIsolation(p: IsolationProbes, table: TenantTable) {
  describe(`isolation of ${table.name}`, () => {
    const T = table.name;

    it("has row-level security enabled and forced", () => {
      expect(table.rlsEnabled, `${T}: row-level security enabled`).toBe(true);
      expect(table.rlsForced, `${T}: row-level security forced`).toBe(true);
    });

    if (!(T in fixtureFactories)) {
      it("has a fixture factory", () => {
        throw new Error(missingFactories([T])[0]);
      });
      return;
    }

    const rows = {} as ProbedRows;
    beforeAll(async () => {
      rows.a = await p.fixtures.rowOf(p.tenantA, T);
      rows.b = await p.fixtures.rowOf(p.tenantB, T);
    });

    defineReadWriteProbes(p, table, rows);
    defineReferenceProbes(p, table, rows);
    defineUnscopedProbes(p, table, rows);
  });
}

/** B reads, updates, deletes, inserts as A, and moves its own row to A. */
function defineReadWriteProbes(p: IsolationProbes, table: TenantTable, rows: ProbedRows) {
  const T = table.name;
  const tenantColumn = table.tenantColumn;
  const { tenantA, tenantB } = p;

  it("hides A's row from B", async () => {
    expect(await p.countAs(tenantA, countWhereSql(T, "id", rows.a.id))).toBe(1);
    expect(await p.countAs(tenantB, countWhereSql(T, "id", rows.a.id))).toBe(0);
    expect(await p.countAs(tenantB, countWhereSql(T, tenantColumn, tenantA))).toBe(0);
  });

  it("lets B update none of A's rows", async () => {
    const byId = touchWhereSql(T, tenantColumn, "id", rows.a.id);
    const byTenant = touchWhereSql(T, tenantColumn, tenantColumn, tenantA);
    if (!table.appPrivileges.update) {
      const error = await captureSqlError(p.runAs(tenantB, byId));
      expect(error.code).toBe(SqlState.insufficientPrivilege);
      expect(error.message).toMatch(PERMISSION_DENIED);
      return;
    }
    expect(await p.affectedRowsRolledBack(tenantA, byId)).toBe(1);
    expect(await p.affectedRowsRolledBack(tenantB, byId)).toBe(0);
    expect(await p.affectedRowsRolledBack(tenantB, byTenant)).toBe(0);
  });

  it("lets B delete none of A's rows", async () => {
    const byId = deleteWhereSql(T, "id", rows.a.id);
    const byTenant = deleteWhereSql(T, tenantColumn, tenantA);
    if (!table.appPrivileges.delete) {
      const error = await captureSqlError(p.runAs(tenantB, byId));
      expect(error.code).toBe(SqlState.insufficientPrivilege);
      expect(error.message).toMatch(PERMISSION_DENIED);
      return;
    }
    expect(await p.affectedRowsRolledBack(tenantA, byId)).toBe(1);
    expect(await p.affectedRowsRolledBack(tenantB, byId)).toBe(0);
    expect(await p.affectedRowsRolledBack(tenantB, byTenant)).toBe(0);
    expect(await p.countAs(tenantA, countWhereSql(T, "id", rows.a.id))).toBe(1);
  });

  it("rejects B inserting a row with A's tenant id", async () => {
    if (!table.appPrivileges.insert) {
      const values = { id: randomUUID(), slug: `probe-${randomUUID()}`, name: "probe" };
      const error = await captureSqlError(p.runAs(tenantB, insertRowSql(T, values)));
      expect(error.code).toBe(SqlState.insufficientPrivilege);
      expect(error.message).toMatch(PERMISSION_DENIED);
      return;
    }
    const candidate = await p.fixtures.build(tenantA, T);
    const upperCase = { ...candidate, tenant_id: tenantA.toUpperCase() };

    for (const values of [candidate, upperCase]) {
      const error = await captureSqlError(p.runAs(tenantB, insertRowSql(T, values)));
      expect(error.code).toBe(SqlState.insufficientPrivilege);
      expect(error.message).toMatch(RLS_VIOLATION);
    }
    const stored = await inRolledBackTenant(p.db, tenantA, (tx) =>
      tx.execute<{ row: ColumnValues }>(insertRowSql(T, upperCase)),
    );
    expect(stored[0]!.row.tenant_id).toBe(tenantA);
  });

  it("rejects B moving its own row to A", async () => {
    const moves = [tenantA, tenantA.toUpperCase()].map((target) =>
      updateRowSql(T, rows.b.id, { [tenantColumn]: target }),
    );
    if (!table.appPrivileges.update) {
      const error = await captureSqlError(p.runAs(tenantB, moves[0]!));
      expect(error.code).toBe(SqlState.insufficientPrivilege);
      expect(error.message).toMatch(PERMISSION_DENIED);
      return;
    }
    for (const move of moves) {
      const error = await captureSqlError(p.runAs(tenantB, move));
      expect(error.code).toBe(SqlState.insufficientPrivilege);
      expect(error.message).toMatch(RLS_VIOLATION);
    }
    const stay = updateRowSql(T, rows.b.id, { [tenantColumn]: tenantB });
    expect(await p.affectedRowsRolledBack(tenantB, stay)).toBe(1);
    expect(await p.countAs(tenantB, countWhereSql(T, "id", rows.b.id))).toBe(1);
  });
}

/** B points its foreign keys at A's rows, or collides with A's unique keys. */
function defineReferenceProbes(p: IsolationProbes, table: TenantTable, rows: ProbedRows) {
  const childKeys = table.foreignKeys.filter((fk) => fk.parentTable !== "tenants");
  for (const fk of childKeys) {
    it(`rejects B pointing ${fk.name} at A's ${fk.parentTable}`, async () => {
      expect(fk.tenantColumn, `${fk.name} must include the tenant column`).not.toBeNull();
      await p.expectForeignKeyIsolated(table, fk, rows.b);
    });
  }

  if (table.appPrivileges.insert) {
    for (const index of table.uniqueIndexes) {
      it(`keeps ${index.name} from revealing A's row`, async () => {
        await p.expectUniqueIndexIsolated(table, index, rows.a);
      });
    }
  }
}

/** Sessions of the application role with no tenant, an empty one, or an upper-case id. */
function defineUnscopedProbes(p: IsolationProbes, table: TenantTable, rows: ProbedRows) {
  const T = table.name;
  const { tenantA, unscoped } = p;

  it("shows nothing and accepts no writes without a tenant", async () => {
    expect(await p.countAs(tenantA, countWhereSql(T, "id", rows.a.id))).toBe(1);
    const seen = await unscoped.transaction(async (tx) => {
      const setting = await tx.execute<{ value: string | null }>(
        sql`select current_setting('app.tenant_id', true) as value`,
      );
      expect(setting[0]!.value ?? "").toBe("");
      const counted = await tx.execute<{ count: number }>(
        sql`select count(*)::int as count from ${sql.identifier(T)}`,
      );
      return counted[0]!.count;
    });
    expect(seen).toBe(0);

    await p.expectUnscopedWritesRejected(table, rows.a);
  });

  it("treats an empty tenant setting as no tenant", async () => {
    const seen = await unscoped.transaction(async (tx) => {
      await tx.execute(sql`select set_config('app.tenant_id', '', true)`);
      const counted = await tx.execute<{ count: number }>(
        sql`select count(*)::int as count from ${sql.identifier(T)}`,
      );
      return counted[0]!.count;
    });
    expect(seen).toBe(0);
  });

  it("treats an upper-case tenant id as the same tenant", async () => {
    expect(await p.countAs(tenantA.toUpperCase(), countWhereSql(T, "id", rows.a.id))).toBe(1);
    const seen = await unscoped.transaction(async (tx) => {
      await tx.execute(sql`select set_config('app.tenant_id', ${tenantA.toUpperCase()}, true)`);
      const counted = await tx.execute<{ count: number }>(countWhereSql(T, "id", rows.a.id));
      return counted[0]!.count;
    });
    expect(seen).toBe(1);
  });
}

// NOTE: AppDatabase keeps its pool private, so these tests replay what
// db.tenant() sends (a transaction that calls app.set_tenant) on a
// single-connection session they can inspect afterwards.
function describePooledSession(p: IsolationProbes, tables: TenantTable[]) {
  const { tenantA, tenantB, unscoped } = p;

  describe("pooled connection after a tenant transaction", () => {
    const readSession = async () => {
      const rows = await unscoped.execute<{ setting: string | null; tenant: string | null; pid: number }>(sql`
        select current_setting('app.tenant_id', true) as setting,
               app.current_tenant_id()::text as tenant,
               pg_backend_pid() as pid`);
      return rows[0]!;
    };

    const countEverywhere = async () => {
      let total = 0;
      for (const table of tables.filter((candidate) => candidate.appPrivileges.select)) {
        const rows = await unscoped.execute<{ count: number }>(
          sql`select count(*)::int as count from ${sql.identifier(table.name)}`,
        );
        total += rows[0]!.count;
      }
      return total;
    };

    it("carries no tenant after commit", async () => {
      const before = await readSession();
      const inside = await unscoped.transaction(async (tx) => {
        await tx.execute(sql`select app.set_tenant(${tenantA}::uuid, 'probe')`);
        const rows = await tx.execute<{ tenant: string }>(sql`select app.current_tenant_id()::text as tenant`);
        return rows[0]!.tenant;
      });
      expect(inside).toBe(tenantA);

      const after = await readSession();
      expect(after.pid).toBe(before.pid);
      expect(after.setting ?? "").toBe("");
      expect(after.tenant).toBeNull();
      expect(await countEverywhere()).toBe(0);
    });

    it("carries no tenant after rollback", async () => {
      const failure = new Error("roll back");
      await expect(
        unscoped.transaction(async (tx) => {
          await tx.execute(sql`select app.set_tenant(${tenantB}::uuid, 'probe')`);
          throw failure;
        }),
      ).rejects.toBe(failure);

      const after = await readSession();
      expect(after.setting ?? "").toBe("");
      expect(await countEverywhere()).toBe(0);
    });

    it("carries no tenant after a failed statement", async () => {
      const error = await captureSqlError(
        unscoped.transaction(async (tx) => {
          await tx.execute(sql`select app.set_tenant(${tenantB}::uuid, 'probe')`);
          await tx.execute(sql`select 1 / 0`);
        }),
      );
      expect(error.code).toBe("22012");

      const after = await readSession();
      expect(after.setting ?? "").toBe("");
      expect(await countEverywhere()).toBe(0);
    });

    it("rejects the nil uuid as a tenant", async () => {
      const error = await captureSqlError(
        unscoped.transaction((tx) =>
          tx.execute(sql`select app.set_tenant('00000000-0000-0000-0000-000000000000'::uuid, 'probe')`),
        ),
      );
      expect(error.code).toBe(SqlState.invalidParameterValue);
    });
  });
}
