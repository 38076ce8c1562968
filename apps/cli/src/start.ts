// pnpm start: one command that brings Tapeline up on this machine. It
// resolves the database (embedded PostgreSQL when DATABASE_URL is unset),
// applies migrations, provisions two demo tenants, prints a development
// token for each, and runs the API and the worker as child processes until
// interrupted.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { signDevelopmentToken } from "@tapeline/api";
import {
  connectSystem,
  createLogger,
  migrateDatabase,
  readDatabaseEnv,
  resolveDatabase,
} from "@tapeline/db";
import { childEnvironment, readStartEnv } from "./start/env.ts";
import { loadDevelopmentSecret } from "./start/secret.ts";

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

const DEMO_TENANTS = [
  { slug: "demo-lender", name: "Demo Lender" },
  { slug: "demo-diligence", name: "Demo Due-Diligence Firm" },
] as const;

const logger = createLogger("tapeline");
const startEnv = readStartEnv();
const databaseEnv = readDatabaseEnv();
const urls = await resolveDatabase({ logger, env: databaseEnv });

const migration = await migrateDatabase(urls);
logger.info(migration, "migrations applied");

const system = connectSystem(urls.adminUrl);
const tenants = [];
for (const tenant of DEMO_TENANTS) {
  tenants.push({ ...tenant, id: await system.createTenant(tenant.slug, tenant.name) });
}
await system.close();

const secret = await loadDevelopmentSecret(databaseEnv.dataDir, startEnv.TAPELINE_JWT_SECRET);
const baseUrl = `http://${startEnv.HOST}:${startEnv.PORT}`;
const lines = [`Tapeline API: ${baseUrl} (OpenAPI document at ${baseUrl}/openapi.json)`, ""];
for (const tenant of tenants) {
  const token = await signDevelopmentToken({
    secret,
    tenantId: tenant.id,
    subject: `${tenant.slug}-reviewer`,
    expiresInSeconds: 12 * 60 * 60,
  });
  lines.push(`Development token for ${tenant.name} (tenant ${tenant.id}), valid 12 hours:`);
  lines.push(`  export TOKEN_${tenant.slug.replaceAll("-", "_").toUpperCase()}=${token}`);
}
process.stdout.write(`\n${lines.join("\n")}\n\n`);

const environment = childEnvironment({
  DATABASE_URL: urls.adminUrl,
  DATABASE_APP_URL: urls.appUrl,
  DATABASE_RELAY_URL: urls.relayUrl,
  TAPELINE_DATA_DIR: databaseEnv.dataDir,
  TAPELINE_JWT_SECRET: secret,
  HOST: startEnv.HOST,
  PORT: String(startEnv.PORT),
});

function startChild(name: string, entry: string): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    cwd: repositoryRoot,
    env: environment,
    stdio: "inherit",
  });
  child.on("exit", (code, signal) => {
    if (!stopping) {
      logger.error({ process: name, code, signal }, "child process exited; shutting down");
      void stop(1);
    }
  });
  return child;
}

let stopping = false;
const children = [
  startChild("api", "apps/api/src/index.ts"),
  startChild("worker", "apps/worker/src/index.ts"),
];

async function stop(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info("stopping the API and the worker");
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        }),
    ),
  );
  if (urls.embedded) {
    logger.info("stopping the embedded PostgreSQL");
    await urls.embedded.stop();
  }
  process.exit(exitCode);
}

process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
