// `pnpm soak`: the full load run against a PostgreSQL of its own (an
// embedded server on 127.0.0.1, SOAK_PG_PORT, default 54355, deleted
// afterwards). Defaults: 100,000 events, 10 tenants, 3 workers; override
// with SOAK_EVENTS, SOAK_TENANTS, SOAK_WORKERS, SOAK_LOANS_PER_TENANT,
// SOAK_WORKER_CONCURRENCY (claim loops per worker) and
// SOAK_TIME_LIMIT_SECONDS. Exits 1 when any event is lost, duplicated,
// delivered to another tenant or out of order, or the time limit passes.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  APP_ROLE,
  RELAY_ROLE,
  migrateDatabase,
  startEmbeddedPostgres,
  withCredentials,
  withDatabase,
} from "@tapeline/db";
import { createDatabase } from "@tapeline/db/admin";
import { runSoak } from "./soak-run.ts";

function setting(name: string, fallback: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`${name}=${raw} is not a whole number from 1 to ${max}.`);
  }
  return value;
}

async function main(): Promise<number> {
  const events = setting("SOAK_EVENTS", 100_000, 1_000_000);
  const tenants = setting("SOAK_TENANTS", 10, 100);
  const workers = setting("SOAK_WORKERS", 3, 16);
  const concurrency =
    process.env.SOAK_WORKER_CONCURRENCY === undefined ? undefined : setting("SOAK_WORKER_CONCURRENCY", 2, 16);
  const loansPerTenant = setting("SOAK_LOANS_PER_TENANT", 200, 100_000);
  const timeLimitSeconds = setting("SOAK_TIME_LIMIT_SECONDS", 1200, 7200);
  const port = setting("SOAK_PG_PORT", 54355, 65_535);

  const dataDir = await mkdtemp(path.join(tmpdir(), "tapeline-soak-pg-"));
  const server = await startEmbeddedPostgres({
    dataDir,
    port,
    ephemeral: true,
    settings: ["fsync=off", "synchronous_commit=off", "full_page_writes=off"],
  });
  try {
    await createDatabase(server.maintenanceUrl, "tapeline_soak");
    const adminUrl = withDatabase(server.maintenanceUrl, "tapeline_soak");
    const appPassword = randomBytes(18).toString("base64url");
    const relayPassword = randomBytes(18).toString("base64url");
    await migrateDatabase({ adminUrl, appPassword, relayPassword });
    const result = await runSoak({
      adminUrl,
      appUrl: withCredentials(adminUrl, APP_ROLE, appPassword),
      relayUrl: withCredentials(adminUrl, RELAY_ROLE, relayPassword),
      events,
      tenants,
      workers,
      concurrency,
      loansPerTenant,
      timeLimitSeconds,
      log: (line) => console.log(`soak: ${line}`),
    });
    console.log(JSON.stringify(result, null, 2));
    console.log(
      `soak: ${result.delivered} of ${result.events} events delivered in ${result.seconds.toFixed(1)} s ` +
        `(${Math.round(result.eventsPerSecond)} events/s); lost ${result.lost}, duplicates ${result.duplicates}, ` +
        `cross-tenant ${result.crossTenant}, out-of-order loans ${result.outOfOrderLoans}`,
    );
    const clean =
      !result.timedOut &&
      result.lost === 0 &&
      result.duplicates === 0 &&
      result.crossTenant === 0 &&
      result.invalidSignatures === 0 &&
      result.outOfOrderLoans === 0;
    return clean ? 0 : 1;
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`soak: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
