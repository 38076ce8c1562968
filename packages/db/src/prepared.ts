// Drizzle queries rendered to SQL once, when the module that declares them
// loads, and run in any db.tenant() transaction. Building and rendering a
// primary-key lookup with Drizzle's builder costs more client CPU than
// postgres.js spends sending it and reading its row, so hot reads declare
// their query here.
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type { PgPreparedQuery, PreparedQueryConfig } from "drizzle-orm/pg-core";
import * as schema from "./schema/index.ts";
import { tenantContextOf, type Schema, type TenantTransaction } from "./tenant.ts";

/** A Drizzle database with no connection, for building prepared tenant queries. */
const builder = drizzle.mock({ schema });

/** The placeholder every tenant query receives: the transaction's tenant id. */
export const TENANT_ID_PLACEHOLDER = "tenantId";

export interface TenantQuery<TResult> {
  /** The rendered SQL, with $n in place of each placeholder. */
  readonly sql: string;
  /**
   * Runs the query in `tx`. `values` fills the query's placeholders, except
   * `tenantId`, which is always the transaction's tenant.
   */
  execute(tx: TenantTransaction, values?: Record<string, unknown>): Promise<TResult>;
}

/**
 * Renders the query that `build` returns and keeps the SQL. `build` gets a
 * Drizzle database without a connection and returns a query finished with
 * `.prepare(name)`. Each value is a `sql.placeholder(name)`, and the tenant
 * filter uses `sql.placeholder("tenantId")`.
 */
export function prepareTenantQuery<TConfig extends PreparedQueryConfig>(
  build: (db: PostgresJsDatabase<Schema>) => PgPreparedQuery<TConfig>,
): TenantQuery<TConfig["execute"]> {
  const prepared = build(builder);
  return {
    sql: prepared.getQuery().sql,
    execute(tx, values = {}) {
      const { client, tenantId } = tenantContextOf(tx);
      // The prepared query reads its connection from `client`. This
      // per-call copy points it at the transaction's connection.
      const bound = Object.create(prepared, { client: { value: client } }) as typeof prepared;
      return bound.execute({ ...values, [TENANT_ID_PLACEHOLDER]: tenantId });
    },
  };
}
