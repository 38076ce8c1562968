// Process entry of the API: reads the environment, resolves and migrates
// the database (starting the embedded PostgreSQL when DATABASE_URL is
// unset), listens on HOST:PORT (loopback by default) and shuts down cleanly
// on SIGTERM or SIGINT.
import {
  connectApp,
  createLogger,
  flushLogger,
  migrateDatabase,
  resolveDatabase,
} from "@tapeline/db";
import { FileStorage } from "@tapeline/core/storage";
import { createApp } from "./app.ts";
import { createAuthenticator } from "./auth.ts";
import { readApiEnv } from "./env.ts";
import { createApiLogger } from "./logger.ts";
import { startServer } from "./server.ts";

async function main(): Promise<void> {
  const logger = createApiLogger();
  const env = readApiEnv();
  const urls = await resolveDatabase({ logger, env: env.database });
  await migrateDatabase({
    adminUrl: urls.adminUrl,
    appPassword: urls.appPassword,
    relayPassword: urls.relayPassword,
  });
  const db = connectApp(urls.appUrl, { applicationName: "tapeline-api" });
  const app = createApp({
    db,
    storage: new FileStorage(env.storageDir),
    auth: createAuthenticator(env.auth),
    logger,
    maxUploadBytes: env.maxUploadBytes,
  });
  const server = await startServer({ app, host: env.host, port: env.port, logger });
  logger.info({ authMode: env.auth.mode, storageDir: env.storageDir }, "API started");

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "API stopping");
    await server.close();
    await db.close();
    await urls.embedded?.stop();
    logger.info("API stopped");
    await flushLogger(logger);
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      stop(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, "API shutdown failed");
          process.exit(1);
        },
      );
    });
  }
}

main().catch((error: unknown) => {
  createLogger("api").fatal({ err: error }, "API failed to start");
  process.exit(1);
});
