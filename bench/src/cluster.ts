// The PostgreSQL the benchmarks run on: a throw-away embedded server in a
// temporary folder (or the server named by DATABASE_URL), a migrated
// `tapeline_bench` database, and a benchmark-only role with BYPASSRLS for
// the baselines. The role exists only here: no migration creates it.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import {
  APP_ROLE,
  RELAY_ROLE,
  createLogger,
  migrateDatabase,
  readDatabaseEnv,
  startEmbeddedPostgres,
  withCredentials,
  withDatabase,
  type RunningEmbeddedPostgres,
} from "@tapeline/db";
import { createDatabase, dropDatabase } from "@tapeline/db/admin";

export const BENCH_DATABASE = "tapeline_bench";
export const BYPASS_ROLE = "tapeline_bench_bypass";

export interface BenchCluster {
  /** Superuser URL of the benchmark database: generator and catalog reads. */
  adminUrl: string;
  /** tapeline_app: every figure's "our path". */
  appUrl: string;
  relayUrl: string;
  /** The BYPASSRLS role: baselines that skip row-level security. */
  bypassUrl: string;
  /** Superuser URL of the maintenance database, for scratch databases. */
  maintenanceUrl: string;
  stop(): Promise<void>;
}

async function startServer(): Promise<{
  maintenanceUrl: string;
  stop: () => Promise<void>;
}> {
  const env = readDatabaseEnv();
  if (env.DATABASE_URL) {
    return { maintenanceUrl: env.DATABASE_URL, stop: async () => {} };
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), "tapeline-bench-"));
  const logger = createLogger("bench");
  logger.level = "warn";
  let embedded: RunningEmbeddedPostgres;
  try {
    embedded = await startEmbeddedPostgres({
      dataDir,
      port: env.embeddedPort,
      ephemeral: true,
      logger,
    });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    maintenanceUrl: embedded.maintenanceUrl,
    async stop() {
      await embedded.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function createBypassRole(adminUrl: string, password: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ statement: string }[]>`
        select format(
            'create role %I login nosuperuser bypassrls password %L',
            ${BYPASS_ROLE}::text, ${password}::text) as statement`;
    await sql.unsafe(`drop role if exists ${BYPASS_ROLE}`);
    if (row) await sql.unsafe(row.statement);
    await sql.unsafe(`
        grant usage on schema app to ${BYPASS_ROLE};
        grant execute on all functions in schema app to ${BYPASS_ROLE};
        grant select, insert, update, delete on all tables in schema public
            to ${BYPASS_ROLE};
        grant usage, create on schema public to ${BYPASS_ROLE}`);
  } finally {
    await sql.end();
  }
}

/** Starts the server and builds an empty, migrated benchmark database. */
export async function startBenchCluster(): Promise<BenchCluster> {
  const server = await startServer();
  const maintenanceUrl = server.maintenanceUrl;
  const appPassword = randomBytes(18).toString("base64url");
  const relayPassword = randomBytes(18).toString("base64url");
  const bypassPassword = randomBytes(18).toString("base64url");

  await dropDatabase(maintenanceUrl, BENCH_DATABASE);
  await createDatabase(maintenanceUrl, BENCH_DATABASE);
  const adminUrl = withDatabase(maintenanceUrl, BENCH_DATABASE);
  await migrateDatabase({ adminUrl, appPassword, relayPassword });
  await createBypassRole(adminUrl, bypassPassword);

  return {
    adminUrl,
    appUrl: withCredentials(adminUrl, APP_ROLE, appPassword),
    relayUrl: withCredentials(adminUrl, RELAY_ROLE, relayPassword),
    bypassUrl: withCredentials(adminUrl, BYPASS_ROLE, bypassPassword),
    maintenanceUrl,
    async stop() {
      await dropDatabase(maintenanceUrl, BENCH_DATABASE);
      const sql = postgres(maintenanceUrl, { max: 1, onnotice: () => {} });
      await sql.unsafe(`drop role if exists ${BYPASS_ROLE}`).finally(() => sql.end());
      await server.stop();
    },
  };
}

export interface ServerFacts {
  version: string;
  settings: { name: string; setting: string; unit: string | null; source: string }[];
}

/** Reads the server version and every setting not at its built-in default. */
export async function readServerFacts(adminUrl: string): Promise<ServerFacts> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [version] = await sql<{ version: string }[]>`select version()`;
    const settings = await sql<ServerFacts["settings"]>`
        select name, setting, unit, source
        from pg_settings
        where source not in ('default', 'override', 'client', 'session')
          and name not in ('application_name', 'config_file', 'data_directory',
                           'hba_file', 'ident_file', 'unix_socket_directories')
        order by name`;
    return { version: version?.version ?? "unknown", settings: [...settings] };
  } finally {
    await sql.end();
  }
}
