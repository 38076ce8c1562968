// The probes of the isolation suite (isolation-suite.ts) for one database
// and one tenant pair: tenant B tries to reach tenant A's rows through
// foreign keys, unique indexes and sessions that set no tenant.
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { SqlState, sql, type AppDatabase, type SQL, type TenantTransaction } from "@tapeline/db";
import type { TestConnection } from "@tapeline/db/testing";
import type { ForeignKeyInfo, TenantTable, UniqueIndexInfo } from "./catalog.ts";
import { TableFixtures } from "./fixtures-by-table.ts";
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

export const RLS_VIOLATION = /new row violates row-level security policy/;
export const PERMISSION_DENIED = /permission denied for table/;

/** A database to run the isolation suite on, and the two tenants it probes. */
export interface IsolationTarget {
  /** The application role's pool; every tenant probe runs through db.tenant(). */
  db: AppDatabase;
  /** Superuser URL: catalog reads and partial-index predicates only. */
  adminUrl: string;
  /** The application role's URL, for sessions that set no tenant. */
  appUrl: string;
  /** The tenant that owns the probed rows. */
  tenantA: string;
  /** The tenant that tries to read, change, move or reference A's rows. */
  tenantB: string;
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

export class IsolationProbes {
  readonly db: AppDatabase;
  readonly tenantA: string;
  readonly tenantB: string;
  readonly fixtures: TableFixtures;
  /** Superuser session: catalog reads only, never a tenant assertion. */
  readonly admin: TestConnection;
  /** Application-role session that sets no tenant. */
  readonly unscoped: TestConnection;

  constructor(target: IsolationTarget, admin: TestConnection, unscoped: TestConnection) {
    this.db = target.db;
    this.tenantA = target.tenantA;
    this.tenantB = target.tenantB;
    this.fixtures = new TableFixtures(target.db);
    this.admin = admin;
    this.unscoped = unscoped;
  }

  runAs(tenantId: string, query: SQL) {
    return this.db.tenant(tenantId, (tx) => tx.execute(query));
  }

  async countAs(tenantId: string, query: SQL): Promise<number> {
    const rows = await this.db.tenant(tenantId, (tx) => tx.execute<{ count: number }>(query));
    return rows[0]!.count;
  }

  /** Runs `query` as the tenant and rolls back; returns the affected-row count. */
  affectedRowsRolledBack(tenantId: string, query: SQL): Promise<number> {
    return inRolledBackTenant(this.db, tenantId, async (tx: TenantTransaction) => {
      const result = await tx.execute(query);
      return result.count;
    });
  }

  /** Runs `query` as the tenant, rolled back; returns its rows or the PostgreSQL error. */
  async outcomeRolledBack(tenantId: string, query: SQL): Promise<{ rows: number; error?: PostgresErrorInfo }> {
    try {
      const rows = await inRolledBackTenant(this.db, tenantId, (tx) => tx.execute(query));
      return { rows: rows.length };
    } catch (error) {
      const info = postgresErrorOf(error);
      if (!info) throw error;
      return { rows: 0, error: info };
    }
  }

  async rowMatchesPredicate(table: string, id: unknown, predicate: string | null) {
    if (!predicate) return true;
    const rows = await this.admin.execute<{ matches: boolean }>(sql`
      select exists (
          select 1 from ${sql.identifier(table)}
          where id = ${String(id)} and (${sql.raw(predicate)})
      ) as matches`);
    return rows[0]!.matches;
  }

  /**
   * B changes its own row so that `fk` points at A's parent row. The database
   * must raise the same foreign-key violation it raises for an id that exists
   * nowhere, so the error reveals nothing about A.
   */
  async expectForeignKeyIsolated(table: TenantTable, fk: ForeignKeyInfo, rowB: ColumnValues) {
    const { fixtures, tenantA, tenantB } = this;
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
        return captureSqlError(this.runAs(tenantB, updateRowSql(table.name, rowB.id, changes)));
      }
      const values = { ...(await fixtures.build(tenantB, table.name)), ...changes };
      return captureSqlError(this.runAs(tenantB, insertRowSql(table.name, values)));
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
      expect(await this.affectedRowsRolledBack(tenantB, own)).toBe(1);
    }
  }

  /**
   * B inserts a row whose key in `index` equals A's row's key. With tenant_id
   * in the index this is no conflict: B must see no unique violation and,
   * with `on conflict do nothing`, no silently skipped row. The same insert
   * as A is the positive control: it must conflict.
   */
  async expectUniqueIndexIsolated(table: TenantTable, index: UniqueIndexInfo, rowA: ColumnValues) {
    const { fixtures, tenantA, tenantB } = this;
    const keyColumns = keyColumnsOf(table, index);
    const withKeyOfA = (values: ColumnValues) => ({
      ...values,
      ...Object.fromEntries(keyColumns.map((column) => [column, rowA[column]])),
    });
    const candidateB = withKeyOfA(await fixtures.build(tenantB, table.name));

    const plain = await this.outcomeRolledBack(tenantB, insertRowSql(table.name, candidateB));
    expect(plain.error?.code, `${index.name}: B's insert`).not.toBe(SqlState.uniqueViolation);
    const skipping = await this.outcomeRolledBack(
      tenantB,
      insertRowSql(table.name, candidateB, { onConflictDoNothing: true }),
    );
    expect(skipping.error?.code).not.toBe(SqlState.uniqueViolation);
    if (!skipping.error) expect(skipping.rows, `${index.name}: rows B inserted`).toBe(1);
    expect(skipping.error?.code).toBe(plain.error?.code);

    if (!(await this.rowMatchesPredicate(table.name, rowA.id, index.predicate))) return;
    const candidateA = withKeyOfA(await fixtures.build(tenantA, table.name));
    const control = await this.outcomeRolledBack(tenantA, insertRowSql(table.name, candidateA));
    expect(control.error?.code, `${index.name}: A's own duplicate`).toBe(SqlState.uniqueViolation);
    const controlSkipping = await this.outcomeRolledBack(
      tenantA,
      insertRowSql(table.name, candidateA, { onConflictDoNothing: true }),
    );
    expect(controlSkipping).toEqual({ rows: 0 });
  }

  /** Inserts, updates and deletes with no tenant set must all be refused or touch nothing. */
  async expectUnscopedWritesRejected(table: TenantTable, rowA: ColumnValues) {
    const T = table.name;
    const unscopedOutcome = async (query: SQL) => {
      try {
        const result = await this.unscoped.transaction((tx) => tx.execute(query));
        return { count: result.count, error: undefined };
      } catch (error) {
        const info = postgresErrorOf(error);
        if (!info) throw error;
        return { count: 0, error: info };
      }
    };

    const insertValues = table.appPrivileges.insert
      ? await this.fixtures.build(this.tenantA, T)
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
    expect(await this.countAs(this.tenantA, countWhereSql(T, "id", rowA.id))).toBe(1);
  }
}
