// Works out which PostgreSQL to use and the URL of each role's connection.
import postgres from "postgres";
import { DatabaseConfigError } from "./errors.ts";
import { readDatabaseEnv, type DatabaseEnv } from "./env.ts";
import {
  readEmbeddedCredentials,
  startEmbeddedPostgres,
  type EmbeddedCredentials,
  type RunningEmbeddedPostgres,
} from "./embedded.ts";
import { existsSync } from "node:fs";
import type { Logger } from "./logger.ts";
import path from "node:path";

export const APP_ROLE = "tapeline_app";
export const RELAY_ROLE = "tapeline_relay";
export const OWNER_ROLE = "tapeline_owner";
const EMBEDDED_DATABASE = "tapeline";

export interface DatabaseUrls {
  /** Superuser, or a member of tapeline_owner: migrations and system functions. */
  adminUrl: string;
  /** tapeline_app: all tenant work, always inside db.tenant(). */
  appUrl: string;
  /** tapeline_relay: claims outbox events across tenants. */
  relayUrl: string;
  /** Passwords that db:migrate sets on the login roles, when known. */
  appPassword?: string;
  relayPassword?: string;
  embedded?: RunningEmbeddedPostgres;
}

/** Returns `url` with its user and password replaced. */
export function withCredentials(url: string, user: string, password: string | undefined): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(user);
  parsed.password = password === undefined ? "" : encodeURIComponent(password);
  return parsed.toString();
}

/** Returns `url` pointing at another database on the same server. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

function roleUrl(
  env: DatabaseEnv,
  adminUrl: string,
  explicitUrl: string | undefined,
  role: string,
  password: string | undefined,
  passwordVariable: string,
): string {
  if (explicitUrl) return explicitUrl;
  if (!password) {
    throw new DatabaseConfigError(
      `No connection for role ${role}: set ${passwordVariable} (at least 12 characters) ` +
        `so db:migrate can set the role's password, or give its full URL.`,
    );
  }
  return withCredentials(adminUrl, role, password);
}

async function ensureDatabaseExists(maintenanceUrl: string, database: string): Promise<void> {
  const sql = postgres(maintenanceUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${database}`;
    if (rows.length === 0) {
      await sql.unsafe(`create database "${database.replaceAll('"', '""')}"`);
    }
  } finally {
    await sql.end();
  }
}

/**
 * Resolves the database: the server named by DATABASE_URL when set, else an
 * embedded PostgreSQL started now with its data under TAPELINE_DATA_DIR.
 */
export async function resolveDatabase(options: {
  logger: Logger;
  env?: DatabaseEnv;
}): Promise<DatabaseUrls> {
  const env = options.env ?? readDatabaseEnv();
  if (env.DATABASE_URL) {
    options.logger.info("using the PostgreSQL server named by DATABASE_URL");
    const adminUrl = env.DATABASE_URL;
    return {
      adminUrl,
      appUrl: roleUrl(env, adminUrl, env.DATABASE_APP_URL, APP_ROLE, env.TAPELINE_APP_PASSWORD, "TAPELINE_APP_PASSWORD"),
      relayUrl: roleUrl(env, adminUrl, env.DATABASE_RELAY_URL, RELAY_ROLE, env.TAPELINE_RELAY_PASSWORD, "TAPELINE_RELAY_PASSWORD"),
      appPassword: env.TAPELINE_APP_PASSWORD,
      relayPassword: env.TAPELINE_RELAY_PASSWORD,
    };
  }

  const dataDir = path.join(env.dataDir, "postgres");
  const running = await findRunningEmbeddedPostgres(dataDir, env.embeddedPort);
  if (running) {
    options.logger.info({ dataDir, port: env.embeddedPort }, "using the embedded PostgreSQL already running");
    return embeddedUrls(running.maintenanceUrl, running.credentials);
  }
  options.logger.info(
    { dataDir, port: env.embeddedPort },
    "DATABASE_URL is not set: starting an embedded PostgreSQL on 127.0.0.1",
  );
  const embedded = await startEmbeddedPostgres({
    dataDir,
    port: env.embeddedPort,
    logger: options.logger,
  });
  await ensureDatabaseExists(embedded.maintenanceUrl, EMBEDDED_DATABASE);
  return { ...embeddedUrls(embedded.maintenanceUrl, embedded.credentials), embedded };
}

function embeddedUrls(maintenanceUrl: string, credentials: EmbeddedCredentials): DatabaseUrls {
  const adminUrl = withDatabase(maintenanceUrl, EMBEDDED_DATABASE);
  const { appPassword, relayPassword } = credentials;
  return {
    adminUrl,
    appUrl: withCredentials(adminUrl, APP_ROLE, appPassword),
    relayUrl: withCredentials(adminUrl, RELAY_ROLE, relayPassword),
    appPassword,
    relayPassword,
  };
}

/**
 * Returns the URL of an embedded server that another process (for example
 * `pnpm start`) already runs on this data folder, or undefined.
 */
async function findRunningEmbeddedPostgres(
  dataDir: string,
  port: number,
): Promise<{ maintenanceUrl: string; credentials: EmbeddedCredentials } | undefined> {
  const credentials = await readEmbeddedCredentials(dataDir);
  if (!credentials || !existsSync(path.join(dataDir, "pgdata", "postmaster.pid"))) return undefined;
  const maintenanceUrl =
    `postgres://postgres:${encodeURIComponent(credentials.superuserPassword)}@127.0.0.1:${port}/postgres`;
  const sql = postgres(maintenanceUrl, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`select 1`;
    return { maintenanceUrl, credentials };
  } catch {
    return undefined;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

export { ensureDatabaseExists };
