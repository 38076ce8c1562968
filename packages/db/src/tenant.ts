// The application role's connection pool and db.tenant(), the only way to
// run tenant work: a transaction whose tenant is set before any query.
import { drizzle, PostgresJsSession, PostgresJsTransaction } from "drizzle-orm/postgres-js";
import { PgDialect } from "drizzle-orm/pg-core";
import {
  createTableRelationsHelpers,
  extractTablesRelationalConfig,
  type ExtractTablesWithRelations,
  type RelationalSchemaConfig,
} from "drizzle-orm";
import postgres from "postgres";
import { z } from "zod";
import {
  InvalidTenantIdError,
  TenantTransactionAbortedError,
  TenantTransactionEndedError,
} from "./errors.ts";
import * as schema from "./schema/index.ts";
import { GLOBAL_TENANT_ID } from "./schema/tenants.ts";

export type Schema = typeof schema;
export type TenantTransaction = PostgresJsTransaction<Schema, ExtractTablesWithRelations<Schema>>;

export interface TenantContext {
  tenantId: string;
  actor: string;
  /** The transaction's postgres.js handle; never exported from this package. */
  client: postgres.Sql;
}

const contexts = new WeakMap<object, TenantContext>();

/** Any 8-4-4-4-12 hex UUID, in either case; stored and compared in lower case. */
const tenantIdSchema = z
  .string()
  .trim()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i)
  .transform((value) => value.toLowerCase())
  .refine((value) => value !== GLOBAL_TENANT_ID);

/** Validates a tenant id and returns it in lower case; throws InvalidTenantIdError. */
export function parseTenantId(value: unknown): string {
  const parsed = tenantIdSchema.safeParse(value);
  if (!parsed.success) throw new InvalidTenantIdError(value);
  return parsed.data;
}

/** Returns the tenant, actor and raw handle of a transaction opened by db.tenant(). */
export function tenantContextOf(tx: TenantTransaction): TenantContext {
  const context = contexts.get(tx);
  if (!context) {
    throw new Error("This transaction was not opened by db.tenant(); tenant work must run inside it.");
  }
  return context;
}

export interface TenantOptions {
  /** The acting user, recorded on every audits row; defaults to the login role. */
  actor?: string;
}

export interface AppDatabaseOptions {
  /** Pool size; defaults to 10. */
  max?: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
}

/**
 * Wraps a reserved connection for Drizzle and for tenantContextOf():
 *
 * - `unsafe()` prepares every query that has parameters. Drizzle sends its
 *   queries through `unsafe()` unprepared, and postgres.js runs an
 *   unprepared query with parameters in two round trips (Parse and
 *   Describe, then Bind and Execute). A prepared one is cached per
 *   connection by its text and costs one round trip from its second use
 *   on. Queries without parameters keep the simple protocol.
 * - `savepoint()` runs nested Drizzle transactions (`tx.transaction()`)
 *   inside a SAVEPOINT, which a reserved connection does not offer itself.
 * - Once `state.ended` is set, every statement is rejected with
 *   TenantTransactionEndedError instead of reaching the connection.
 */
function transactionClient(
  connection: postgres.ReservedSql,
  state: { ended: boolean },
): postgres.Sql {
  let savepoints = 0;
  const checkOpen = () => {
    if (state.ended) throw new TenantTransactionEndedError();
  };
  // A statement the callback never awaits must not become an unhandled
  // rejection. Its failure still aborts the transaction, and COMMIT reports it.
  const handled = <T>(result: T): T => {
    if (result instanceof Promise) result.catch(() => undefined);
    return result;
  };
  const client: postgres.Sql = new Proxy(connection, {
    apply(target, thisArgument, argumentList) {
      checkOpen();
      return handled(Reflect.apply(target, thisArgument, argumentList) as unknown);
    },
    get(target, property, receiver) {
      if (property === "unsafe") {
        return (query: string, parameters?: postgres.ParameterOrJSON<never>[], options = {}) => {
          checkOpen();
          return handled(target.unsafe(query, parameters, { ...options, prepare: true }));
        };
      }
      if (property === "savepoint") {
        return async <T>(work: (nested: postgres.Sql) => Promise<T>): Promise<T> => {
          checkOpen();
          const name = `tapeline_${savepoints++}`;
          await target.unsafe(`savepoint ${name}`);
          let result: T;
          try {
            result = await work(client);
          } catch (error) {
            await target.unsafe(`rollback to savepoint ${name}`);
            throw error;
          }
          await target.unsafe(`release savepoint ${name}`);
          return result;
        };
      }
      if (property === "release") return undefined;
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  return client;
}

type TransactionSession = ConstructorParameters<
  typeof PostgresJsTransaction<Schema, ExtractTablesWithRelations<Schema>>
>[1];

/**
 * A db.tenant() transaction. Its nested transactions (`tx.transaction()`)
 * carry the same tenant context, so tenantContextOf() works inside them.
 */
class TenantScopedTransaction extends PostgresJsTransaction<
  Schema,
  ExtractTablesWithRelations<Schema>
> {
  constructor(
    dialect: PgDialect,
    session: TransactionSession,
    schema: RelationalSchemaConfig<ExtractTablesWithRelations<Schema>>,
    context: TenantContext,
  ) {
    super(dialect, session, schema);
    contexts.set(this, context);
  }

  override transaction<T>(work: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    const context = contexts.get(this);
    return super.transaction((nested) => {
      if (context) contexts.set(nested, context);
      return work(nested);
    });
  }
}

export class AppDatabase {
  readonly #sql: postgres.Sql;
  readonly #dialect = new PgDialect();
  #closed = false;
  readonly #schema: RelationalSchemaConfig<ExtractTablesWithRelations<Schema>>;

  constructor(appUrl: string, options: AppDatabaseOptions = {}) {
    this.#sql = postgres(appUrl, {
      max: options.max ?? 10,
      onnotice: () => {},
      connection: { application_name: options.applicationName ?? "tapeline" },
    });
    // drizzle() sets the pool's type parsers and serializers to what
    // Drizzle's sessions expect: timestamps and dates as text, JSON passed
    // through as sent. The transaction sessions below run on this pool.
    drizzle(this.#sql, { schema });
    const tables = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
    this.#schema = {
      fullSchema: schema,
      schema: tables.tables as ExtractTablesWithRelations<Schema>,
      tableNamesMap: tables.tableNamesMap,
    };
  }

  /**
   * Runs `work` in a transaction whose tenant is `tenantId`. The tenant is
   * set with SET LOCAL (through app.set_tenant), so it ends with the
   * transaction and a pooled connection never carries it to the next caller.
   * An invalid id throws InvalidTenantIdError before any SQL is sent.
   *
   * The transaction runs on a connection reserved from the pool. BEGIN and
   * app.set_tenant are written to it without waiting for their results,
   * and the first statement of `work` follows them in the same pipeline.
   * A transaction of one statement thus costs two round trips, the first
   * for BEGIN, app.set_tenant and the statement, the second for COMMIT.
   * The server runs them in order. If BEGIN or app.set_tenant fails, the
   * statements of `work` fail too, and the first failure is the error
   * thrown.
   */
  async tenant<T>(
    tenantId: string,
    work: (tx: TenantTransaction) => Promise<T>,
    options: TenantOptions = {},
  ): Promise<T> {
    const id = parseTenantId(tenantId);
    const actor = options.actor ?? "";
    // postgres.js would open a new connection for a reservation on an ended pool.
    if (this.#closed) {
      throw new Error("db.tenant() failed: this pool is closed. Open a new one with connectApp().");
    }
    const connection = await this.#sql.reserve();
    try {
      return await this.#transaction(connection, id, actor, work);
    } finally {
      connection.release();
    }
  }

  async #transaction<T>(
    connection: postgres.ReservedSql,
    tenantId: string,
    actor: string,
    work: (tx: TenantTransaction) => Promise<T>,
  ): Promise<T> {
    // Settled here, so a failure is never an unhandled rejection. The
    // outcome is read after work has run.
    const opening = Promise.all([
      connection.unsafe("begin").execute(),
      connection`select app.set_tenant(${tenantId}::uuid, ${actor})`.execute(),
    ]).then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    // Set before COMMIT or ROLLBACK is sent, because a statement issued
    // through tx after that would run in the connection's next transaction.
    const state = { ended: false };
    const client = transactionClient(connection, state);
    // Nested transactions call the client's savepoint(), the one
    // TransactionSql member Drizzle uses, which transactionClient provides.
    const session = new PostgresJsSession(client, this.#dialect, this.#schema) as unknown as
      TransactionSession;
    const context: TenantContext = { tenantId, actor, client };
    const tx = new TenantScopedTransaction(this.#dialect, session, this.#schema, context);
    let result: T;
    try {
      result = await work(tx);
    } catch (error) {
      state.ended = true;
      await connection.unsafe("rollback");
      // A failed BEGIN or app.set_tenant makes work's first statement fail
      // with "current transaction is aborted", so the cause is thrown instead.
      const failed = await opening;
      throw failed ? failed.error : error;
    }
    state.ended = true;
    const failed = await opening;
    if (failed) {
      await connection.unsafe("rollback");
      throw failed.error;
    }
    const committed = await connection.unsafe("commit");
    if (committed.command !== "COMMIT") throw new TenantTransactionAbortedError(tenantId);
    return result;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#sql.end({ timeout: 5 });
  }
}

/** Opens the application role's pool. */
export function connectApp(appUrl: string, options?: AppDatabaseOptions): AppDatabase {
  return new AppDatabase(appUrl, options);
}
