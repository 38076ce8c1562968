// Connections for tests that must see what db.tenant() hides: a session
// with no tenant set, the state a pooled connection is left in after a
// tenant transaction, and admin-only changes to a test database's catalog.
// Not for application code: nothing here sets a tenant.
import type { SQLWrapper } from "drizzle-orm";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema/index.ts";
import type { TenantTransaction } from "./tenant.ts";

type Schema = typeof schema;

/** A transaction on a test connection; shaped like db.tenant()'s, but with no tenant set. */
export type UnscopedTransaction = TenantTransaction;

/**
 * One PostgreSQL connection (a pool of size 1), so consecutive calls run on
 * the same server session. Queries run as whichever role `url` names.
 */
export class TestConnection {
  readonly #sql: postgres.Sql;
  readonly #orm: PostgresJsDatabase<Schema>;

  constructor(url: string) {
    this.#sql = postgres(url, {
      max: 1,
      onnotice: () => {},
      connection: { application_name: "tapeline-test" },
    });
    this.#orm = drizzle(this.#sql, { schema });
  }

  /** Runs one statement outside any explicit transaction; rows carry `count`. */
  execute<T extends Record<string, unknown> = Record<string, unknown>>(
    query: SQLWrapper,
  ) {
    return this.#orm.execute<T>(query);
  }

  /** Runs `work` in a transaction that sets no tenant; commits unless it throws. */
  transaction<T>(work: (tx: UnscopedTransaction) => Promise<T>): Promise<T> {
    return this.#orm.transaction(work);
  }

  async close(): Promise<void> {
    await this.#sql.end({ timeout: 5 });
  }
}

/** Opens a single-connection session for `url` (the admin, app or relay role). */
export function openTestConnection(url: string): TestConnection {
  return new TestConnection(url);
}
