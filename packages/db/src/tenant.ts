// The application role's connection pool and db.tenant(), the only way to
// run tenant work: a transaction whose tenant is set before any query.
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type { PostgresJsTransaction } from "drizzle-orm/postgres-js";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import postgres from "postgres";
import { z } from "zod";
import { InvalidTenantIdError } from "./errors.ts";
import * as schema from "./schema/index.ts";
import { GLOBAL_TENANT_ID } from "./schema/tenants.ts";

export type Schema = typeof schema;
export type TenantTransaction = PostgresJsTransaction<Schema, ExtractTablesWithRelations<Schema>>;

export interface TenantContext {
  tenantId: string;
  actor: string;
  /** The transaction's postgres.js handle; never exported from this package. */
  client: postgres.TransactionSql;
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
 * Returns `client` with `unsafe()` preparing every query that has
 * parameters. Drizzle sends its queries through `unsafe()` unprepared, and
 * postgres.js runs an unprepared query with parameters in two round trips
 * (Parse and Describe, then Bind and Execute). A prepared one is cached per
 * connection by its text and costs one round trip from its second use on.
 * Queries without parameters keep the simple protocol.
 */
function preparingParameterisedQueries<T extends postgres.Sql | postgres.TransactionSql>(
  client: T,
): T {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== "unsafe") return Reflect.get(target, property, receiver);
      return (query: string, parameters?: postgres.ParameterOrJSON<never>[], options = {}) =>
        target.unsafe(query, parameters, { ...options, prepare: true });
    },
  });
}

/** Hands each transaction's client to Drizzle with preparingParameterisedQueries. */
function preparingTransactions(sql: postgres.Sql): postgres.Sql {
  return new Proxy(sql, {
    get(target, property, receiver) {
      if (property !== "begin") return Reflect.get(target, property, receiver);
      return (...args: unknown[]) => {
        const work = args.pop() as (client: postgres.TransactionSql) => unknown;
        const wrapped = (client: postgres.TransactionSql) =>
          work(preparingParameterisedQueries(client));
        return (target.begin as (...a: unknown[]) => Promise<unknown>)(...args, wrapped);
      };
    },
  });
}

export class AppDatabase {
  readonly #sql: postgres.Sql;
  readonly #orm: PostgresJsDatabase<Schema>;

  constructor(appUrl: string, options: AppDatabaseOptions = {}) {
    this.#sql = postgres(appUrl, {
      max: options.max ?? 10,
      onnotice: () => {},
      connection: { application_name: options.applicationName ?? "tapeline" },
    });
    this.#orm = drizzle(preparingTransactions(this.#sql), { schema });
  }

  /**
   * Runs `work` in a transaction whose tenant is `tenantId`. The tenant is
   * set with SET LOCAL (through app.set_tenant), so it ends with the
   * transaction and a pooled connection never carries it to the next caller.
   * An invalid id throws InvalidTenantIdError before any SQL is sent.
   *
   * app.set_tenant is sent without waiting for its result. postgres.js
   * writes a transaction's queries to its one connection in order and
   * pipelines them, so the server runs it before the first statement of
   * `work`, which then costs no extra round trip. If it fails, the
   * transaction is aborted and no statement of `work` runs; its error is
   * the one thrown.
   */
  async tenant<T>(
    tenantId: string,
    work: (tx: TenantTransaction) => Promise<T>,
    options: TenantOptions = {},
  ): Promise<T> {
    const id = parseTenantId(tenantId);
    const actor = options.actor ?? "";
    return this.#orm.transaction(async (tx) => {
      const client = (tx as unknown as { session: { client: postgres.TransactionSql } }).session
        .client;
      const setTenant = client`select app.set_tenant(${id}::uuid, ${actor})`.execute();
      contexts.set(tx, { tenantId: id, actor, client });
      let result: T;
      try {
        result = await work(tx);
      } catch (error) {
        // A failed app.set_tenant makes work's first statement fail with
        // "current transaction is aborted"; report the cause instead.
        await setTenant;
        throw error;
      }
      await setTenant;
      return result;
    });
  }

  async close(): Promise<void> {
    await this.#sql.end({ timeout: 5 });
  }
}

/** Opens the application role's pool. */
export function connectApp(appUrl: string, options?: AppDatabaseOptions): AppDatabase {
  return new AppDatabase(appUrl, options);
}
