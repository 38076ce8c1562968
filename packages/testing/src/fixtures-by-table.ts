// Creates fixture rows of any tenant table by name, as the application role
// through db.tenant(), using the factories in fixture-factories.ts.
import { sql, type AppDatabase } from "@tapeline/db";
import {
  fixtureFactories,
  missingFactories,
  type FixtureContext,
  type FixtureFactory,
} from "./fixture-factories.ts";
import { insertRowSql, type ColumnValues } from "./row-sql.ts";

export class TableFixtures {
  readonly #db: AppDatabase;
  readonly #factories: Record<string, FixtureFactory>;
  readonly #rows = new Map<string, Promise<ColumnValues>>();

  constructor(db: AppDatabase, factories: Record<string, FixtureFactory> = fixtureFactories) {
    this.#db = db;
    this.#factories = factories;
  }

  /** Returns `table`'s factory; throws naming the table and what to add when there is none. */
  factoryFor(table: string): FixtureFactory {
    const factory = this.#factories[table];
    if (!factory) throw new Error(missingFactories([table], this.#factories)[0]);
    return factory;
  }

  /**
   * Returns the tenant's row of `table` that the isolation suite probes,
   * creating it on first use; later calls return the same row.
   */
  rowOf(tenantId: string, table: string): Promise<ColumnValues> {
    const key = `${tenantId}/${table}`;
    let row = this.#rows.get(key);
    if (!row) {
      row = this.#createRow(tenantId, table);
      this.#rows.set(key, row);
    }
    return row;
  }

  /**
   * Returns the column values of a new, valid row of `table` for the tenant,
   * tenant_id included. Its parents are inserted; the row itself is not.
   */
  async build(tenantId: string, table: string): Promise<ColumnValues> {
    const factory = this.factoryFor(table);
    if (factory.kind !== "insert") {
      throw new Error(`${table} rows are created by system functions, not by the application role.`);
    }
    const values = await factory.build(this.#context(tenantId));
    return { ...values, tenant_id: tenantId };
  }

  /** Inserts a new row of `table` for the tenant and returns it as stored. */
  async insert(tenantId: string, table: string, overrides: ColumnValues = {}): Promise<ColumnValues> {
    const values = { ...(await this.build(tenantId, table)), ...overrides };
    const rows = await this.#db.tenant(tenantId, (tx) =>
      tx.execute<{ row: ColumnValues }>(insertRowSql(table, values)),
    );
    return rows[0]!.row;
  }

  async read(tenantId: string, table: string, id: unknown): Promise<ColumnValues> {
    const rows = await this.#db.tenant(tenantId, (tx) =>
      tx.execute<{ row: ColumnValues }>(
        sql`select to_jsonb(t) as row from ${sql.identifier(table)} t where t.id = ${String(id)}`,
      ),
    );
    if (!rows[0]) throw new Error(`Fixture row ${table} ${String(id)} is not visible to tenant ${tenantId}.`);
    return rows[0].row;
  }

  #createRow(tenantId: string, table: string): Promise<ColumnValues> {
    const factory = this.factoryFor(table);
    if (factory.kind === "provisioned") return factory.existing(this.#context(tenantId));
    return this.insert(tenantId, table);
  }

  #context(tenantId: string): FixtureContext {
    return {
      tenantId,
      insert: (table, overrides) => this.insert(tenantId, table, overrides),
      read: (table, id) => this.read(tenantId, table, id),
    };
  }
}
