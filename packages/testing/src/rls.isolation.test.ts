// Tenant isolation, generated from the catalog: every table in schema
// public with a tenant_id column (and tenants) gets the same probes, run as
// the application role through db.tenant(). Tenant A owns the rows; tenant
// B tries to read, change, move, reference or detect them. Each refusal is
// paired with a positive control (the same statement succeeding for the
// owner) so a probe that could never fail would show up as a failure.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqlState, sql, type SQL, type TenantTransaction } from "@tapeline/db";
import { openTestConnection } from "@tapeline/db/testing";
import { listTenantTables, type ForeignKeyInfo, type TenantTable, type UniqueIndexInfo } from "./catalog.ts";
import { fixtureFactories, missingFactories } from "./fixture-factories.ts";
import { TableFixtures } from "./fixtures-by-table.ts";
import { createTenantPair } from "./fixtures.ts";
import { createTestDatabase } from "./database.ts";
import {
  countWhereSql,
  deleteWhereSql,
  insertRowSql,
  touchWhereSql,
  updateRowSql,
  type ColumnValues,
} from "./row-sql.ts";
import { captureSqlError, postgresErrorOf, type PostgresErrorInfo } from "./sql-errors.ts";
import { inRolledBackTenant } from "./tenant-transactions.ts";

const t = await createTestDatabase();
const admin = openTestConnection(t.adminUrl);
const unscoped = openTestConnection(t.appUrl);
const tables = await listTenantTables(admin);
const { tenantA, tenantB } = await createTenantPair(t.system);
const fixtures = new TableFixtures(t.db);

afterAll(async () => {
  await Promise.all([admin.close(), unscoped.close()]);
  await t.close();
});

const RLS_VIOLATION = /new row violates row-level security policy/;
const PERMISSION_DENIED = /permission denied for table/;

async function runAs(tenantId: string, query: SQL) {
  return t.db.tenant(tenantId, (tx) => tx.execute(query));
}

async function countAs(tenantId: string, query: SQL): Promise<number> {
  const rows = await t.db.tenant(tenantId, (tx) => tx.execute<{ count: number }>(query));
  return rows[0]!.count;
}

/** Runs `query` as the tenant and rolls back; returns the affected-row count. */
/**
 * Global QC rules (owned by the global pseudo-tenant) are shipped data that
 * every session may read, with or without a tenant; counts leave them out.
 */
function withoutGlobalRows(tableName: string): SQL {
  return tableName === "qc_rules" ? sql` where tenant_id <> app.global_tenant_id()` : sql``;
}

async function affectedRowsRolledBack(tenantId: string, query: SQL): Promise<number> {
  return inRolledBackTenant(t.db, tenantId, async (tx: TenantTransaction) => {
    const result = await tx.execute(query);
    return result.count;
  });
}

/** Runs `query` as the tenant, rolled back; returns its rows or the PostgreSQL error. */
async function outcomeRolledBack(
  tenantId: string,
  query: SQL,
): Promise<{ rows: number; error?: PostgresErrorInfo }> {
  try {
    const rows = await inRolledBackTenant(t.db, tenantId, (tx) => tx.execute(query));
    return { rows: rows.length };
  } catch (error) {
    const info = postgresErrorOf(error);
    if (!info) throw error;
    return { rows: 0, error: info };
  }
}

function withoutValues(text: string | undefined, values: unknown[]): string | undefined {
  let result = text;
  for (const value of values) result = result?.replaceAll(String(value), "<value>");
  return result;
}

function keyColumnsOf(table: TenantTable, index: UniqueIndexInfo): string[] {
  const tenantColumns = new Set([
    table.tenantColumn,
    ...table.foreignKeys.map((fk) => fk.tenantColumn).filter((c): c is string => c !== null),
  ]);
  return index.columns.filter((c): c is string => c !== null && !tenantColumns.has(c));
}

async function rowMatchesPredicate(table: string, id: unknown, predicate: string | null) {
  if (!predicate) return true;
  const rows = await admin.execute<{ matches: boolean }>(sql`
    select exists (
        select 1 from ${sql.identifier(table)}
        where id = ${String(id)} and (${sql.raw(predicate)})
    ) as matches`);
  return rows[0]!.matches;
}

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

for (const table of tables) {
  describe(`isolation of ${table.name}`, () => {
    const T = table.name;
    const tenantColumn = table.tenantColumn;

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

    let rowA: ColumnValues;
    let rowB: ColumnValues;
    beforeAll(async () => {
      rowA = await fixtures.rowOf(tenantA, T);
      rowB = await fixtures.rowOf(tenantB, T);
    });

    it("hides A's row from B", async () => {
      expect(await countAs(tenantA, countWhereSql(T, "id", rowA.id))).toBe(1);
      expect(await countAs(tenantB, countWhereSql(T, "id", rowA.id))).toBe(0);
      expect(await countAs(tenantB, countWhereSql(T, tenantColumn, tenantA))).toBe(0);
    });

    it("lets B update none of A's rows", async () => {
      const byId = touchWhereSql(T, tenantColumn, "id", rowA.id);
      const byTenant = touchWhereSql(T, tenantColumn, tenantColumn, tenantA);
      if (!table.appPrivileges.update) {
        const error = await captureSqlError(runAs(tenantB, byId));
        expect(error.code).toBe(SqlState.insufficientPrivilege);
        expect(error.message).toMatch(PERMISSION_DENIED);
        return;
      }
      expect(await affectedRowsRolledBack(tenantA, byId)).toBe(1);
      expect(await affectedRowsRolledBack(tenantB, byId)).toBe(0);
      expect(await affectedRowsRolledBack(tenantB, byTenant)).toBe(0);
    });

    it("lets B delete none of A's rows", async () => {
      const byId = deleteWhereSql(T, "id", rowA.id);
      const byTenant = deleteWhereSql(T, tenantColumn, tenantA);
      if (!table.appPrivileges.delete) {
        const error = await captureSqlError(runAs(tenantB, byId));
        expect(error.code).toBe(SqlState.insufficientPrivilege);
        expect(error.message).toMatch(PERMISSION_DENIED);
        return;
      }
      expect(await affectedRowsRolledBack(tenantA, byId)).toBe(1);
      expect(await affectedRowsRolledBack(tenantB, byId)).toBe(0);
      expect(await affectedRowsRolledBack(tenantB, byTenant)).toBe(0);
      expect(await countAs(tenantA, countWhereSql(T, "id", rowA.id))).toBe(1);
    });

    it("rejects B inserting a row with A's tenant id", async () => {
      if (!table.appPrivileges.insert) {
        const values = { id: randomUUID(), slug: `probe-${randomUUID()}`, name: "probe" };
        const error = await captureSqlError(runAs(tenantB, insertRowSql(T, values)));
        expect(error.code).toBe(SqlState.insufficientPrivilege);
        expect(error.message).toMatch(PERMISSION_DENIED);
        return;
      }
      const candidate = await fixtures.build(tenantA, T);
      const upperCase = { ...candidate, tenant_id: tenantA.toUpperCase() };

      for (const values of [candidate, upperCase]) {
        const error = await captureSqlError(runAs(tenantB, insertRowSql(T, values)));
        expect(error.code).toBe(SqlState.insufficientPrivilege);
        expect(error.message).toMatch(RLS_VIOLATION);
      }
      const stored = await inRolledBackTenant(t.db, tenantA, (tx) =>
        tx.execute<{ row: ColumnValues }>(insertRowSql(T, upperCase)),
      );
      expect(stored[0]!.row.tenant_id).toBe(tenantA);
    });

    it("rejects B moving its own row to A", async () => {
      const moves = [tenantA, tenantA.toUpperCase()].map((target) =>
        updateRowSql(T, rowB.id, { [tenantColumn]: target }),
      );
      if (!table.appPrivileges.update) {
        const error = await captureSqlError(runAs(tenantB, moves[0]!));
        expect(error.code).toBe(SqlState.insufficientPrivilege);
        expect(error.message).toMatch(PERMISSION_DENIED);
        return;
      }
      for (const move of moves) {
        const error = await captureSqlError(runAs(tenantB, move));
        expect(error.code).toBe(SqlState.insufficientPrivilege);
        expect(error.message).toMatch(RLS_VIOLATION);
      }
      const stay = updateRowSql(T, rowB.id, { [tenantColumn]: tenantB });
      expect(await affectedRowsRolledBack(tenantB, stay)).toBe(1);
      expect(await countAs(tenantB, countWhereSql(T, "id", rowB.id))).toBe(1);
    });

    const childKeys = table.foreignKeys.filter((fk) => fk.parentTable !== "tenants");
    for (const fk of childKeys) {
      it(`rejects B pointing ${fk.name} at A's ${fk.parentTable}`, async () => {
        expect(fk.tenantColumn, `${fk.name} must include the tenant column`).not.toBeNull();
        await expectForeignKeyIsolated(table, fk, rowB);
      });
    }

    if (table.appPrivileges.insert) {
      for (const index of table.uniqueIndexes) {
        it(`keeps ${index.name} from revealing A's row`, async () => {
          await expectUniqueIndexIsolated(table, index, rowA);
        });
      }
    }

    it("shows nothing and accepts no writes without a tenant", async () => {
      expect(await countAs(tenantA, countWhereSql(T, "id", rowA.id))).toBe(1);
      const seen = await unscoped.transaction(async (tx) => {
        const setting = await tx.execute<{ value: string | null }>(
          sql`select current_setting('app.tenant_id', true) as value`,
        );
        expect(setting[0]!.value ?? "").toBe("");
        const rows = await tx.execute<{ count: number }>(
          sql`select count(*)::int as count from ${sql.identifier(T)}${withoutGlobalRows(T)}`,
        );
        return rows[0]!.count;
      });
      expect(seen).toBe(0);

      await expectUnscopedWritesRejected(table, rowA);
    });

    it("treats an empty tenant setting as no tenant", async () => {
      const seen = await unscoped.transaction(async (tx) => {
        await tx.execute(sql`select set_config('app.tenant_id', '', true)`);
        const rows = await tx.execute<{ count: number }>(
          sql`select count(*)::int as count from ${sql.identifier(T)}${withoutGlobalRows(T)}`,
        );
        return rows[0]!.count;
      });
      expect(seen).toBe(0);
    });

    it("treats an upper-case tenant id as the same tenant", async () => {
      expect(await countAs(tenantA.toUpperCase(), countWhereSql(T, "id", rowA.id))).toBe(1);
      const seen = await unscoped.transaction(async (tx) => {
        await tx.execute(sql`select set_config('app.tenant_id', ${tenantA.toUpperCase()}, true)`);
        const rows = await tx.execute<{ count: number }>(countWhereSql(T, "id", rowA.id));
        return rows[0]!.count;
      });
      expect(seen).toBe(1);
    });
  });
}

/**
 * B changes its own row so that `fk` points at A's parent row. The database
 * must raise the same foreign-key violation it raises for an id that exists
 * nowhere, so the error reveals nothing about A.
 */
async function expectForeignKeyIsolated(table: TenantTable, fk: ForeignKeyInfo, rowB: ColumnValues) {
  const parentA = await fixtures.rowOf(tenantA, fk.parentTable);
  const parentB = await fixtures.rowOf(tenantB, fk.parentTable);
  const pairs = fk.columns
    .map((column, i) => [column, fk.parentColumns[i]!] as const)
    .filter(([column]) => column !== fk.tenantColumn);

  const pointAt = (parent: ColumnValues | null) =>
    Object.fromEntries(pairs.map(([column, parentColumn]) => [column, parent ? parent[parentColumn] : randomUUID()]));
  const changesToA = pointAt(parentA);
  const changesToNowhere = pointAt(null);

  const attempt = async (changes: ColumnValues) => {
    if (table.appPrivileges.update) {
      return captureSqlError(runAs(tenantB, updateRowSql(table.name, rowB.id, changes)));
    }
    const values = { ...(await fixtures.build(tenantB, table.name)), ...changes };
    return captureSqlError(runAs(tenantB, insertRowSql(table.name, values)));
  };

  const toA = await attempt(changesToA);
  const toNowhere = await attempt(changesToNowhere);
  expect(toA.code).toBe(SqlState.foreignKeyViolation);
  // Keys that share a column (loan_id in loan_datapoints' loan and evidence
  // keys) fail together, and PostgreSQL names whichever it checks first.
  const changed = new Set(Object.keys(changesToA));
  const overlapping = table.foreignKeys
    .filter((other) => other.columns.some((column) => changed.has(column)))
    .map((other) => other.name);
  expect(overlapping).toContain(toA.constraint);
  expect(toNowhere.code).toBe(toA.code);
  expect(toNowhere.constraint).toBe(toA.constraint);
  expect(withoutValues(toA.message, Object.values(changesToA))).toBe(
    withoutValues(toNowhere.message, Object.values(changesToNowhere)),
  );
  expect(withoutValues(toA.detail, Object.values(changesToA))).toBe(
    withoutValues(toNowhere.detail, Object.values(changesToNowhere)),
  );

  // With a shared column, B's own parent of one key need not satisfy the
  // other (a datapoint's evidence document belongs to one loan), so the
  // check that B may point at its own parent runs for unshared keys only.
  if (table.appPrivileges.update && overlapping.length === 1) {
    const own = updateRowSql(table.name, rowB.id, pointAt(parentB));
    expect(await affectedRowsRolledBack(tenantB, own)).toBe(1);
  }
}

/**
 * B inserts a row whose key in `index` equals A's row's key. With tenant_id
 * in the index this is no conflict: B must see no unique violation and,
 * with `on conflict do nothing`, no silently skipped row. The same insert
 * as A is the positive control: it must conflict.
 */
async function expectUniqueIndexIsolated(table: TenantTable, index: UniqueIndexInfo, rowA: ColumnValues) {
  const keyColumns = keyColumnsOf(table, index);
  const withKeyOfA = (values: ColumnValues) => ({
    ...values,
    ...Object.fromEntries(keyColumns.map((column) => [column, rowA[column]])),
  });
  const candidateB = withKeyOfA(await fixtures.build(tenantB, table.name));

  const plain = await outcomeRolledBack(tenantB, insertRowSql(table.name, candidateB));
  expect(plain.error?.code, `${index.name}: B's insert`).not.toBe(SqlState.uniqueViolation);
  const skipping = await outcomeRolledBack(
    tenantB,
    insertRowSql(table.name, candidateB, { onConflictDoNothing: true }),
  );
  expect(skipping.error?.code).not.toBe(SqlState.uniqueViolation);
  if (!skipping.error) expect(skipping.rows, `${index.name}: rows B inserted`).toBe(1);
  expect(skipping.error?.code).toBe(plain.error?.code);

  if (!(await rowMatchesPredicate(table.name, rowA.id, index.predicate))) return;
  const candidateA = withKeyOfA(await fixtures.build(tenantA, table.name));
  const control = await outcomeRolledBack(tenantA, insertRowSql(table.name, candidateA));
  expect(control.error?.code, `${index.name}: A's own duplicate`).toBe(SqlState.uniqueViolation);
  const controlSkipping = await outcomeRolledBack(
    tenantA,
    insertRowSql(table.name, candidateA, { onConflictDoNothing: true }),
  );
  expect(controlSkipping).toEqual({ rows: 0 });
}

/** Inserts, updates and deletes with no tenant set must all be refused or touch nothing. */
async function expectUnscopedWritesRejected(table: TenantTable, rowA: ColumnValues) {
  const T = table.name;
  const unscopedOutcome = async (query: SQL) => {
    try {
      const result = await unscoped.transaction((tx) => tx.execute(query));
      return { count: result.count, error: undefined };
    } catch (error) {
      const info = postgresErrorOf(error);
      if (!info) throw error;
      return { count: 0, error: info };
    }
  };

  const insertValues = table.appPrivileges.insert
    ? await fixtures.build(tenantA, T)
    : { id: randomUUID(), slug: `probe-${randomUUID()}`, name: "probe" };
  const insert = await unscopedOutcome(insertRowSql(T, insertValues));
  expect(insert.error?.code, `${T}: insert without a tenant`).toBe(SqlState.insufficientPrivilege);
  expect(insert.error?.message).toMatch(table.appPrivileges.insert ? RLS_VIOLATION : PERMISSION_DENIED);

  const update = await unscopedOutcome(touchWhereSql(T, table.tenantColumn, "id", rowA.id));
  const remove = await unscopedOutcome(deleteWhereSql(T, "id", rowA.id));
  for (const [outcome, granted] of [
    [update, table.appPrivileges.update],
    [remove, table.appPrivileges.delete],
  ] as const) {
    if (granted) expect(outcome).toEqual({ count: 0, error: undefined });
    else expect(outcome.error?.code).toBe(SqlState.insufficientPrivilege);
  }
  expect(await countAs(tenantA, countWhereSql(T, "id", rowA.id))).toBe(1);
}

// NOTE: AppDatabase keeps its pool private, so these tests replay what
// db.tenant() sends (a transaction that calls app.set_tenant) on a
// single-connection session they can inspect afterwards.
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
        sql`select count(*)::int as count from ${sql.identifier(table.name)}${withoutGlobalRows(table.name)}`,
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
