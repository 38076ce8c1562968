// Opens the database for one CLI command: DATABASE_URL, or the embedded
// server. An embedded server that `pnpm start` already runs is reused; one
// started here is migrated first and stopped when the command ends.
import {
  connectApp,
  connectRelay,
  connectSystem,
  createLogger,
  migrateDatabase,
  readDatabaseEnv,
  resolveDatabase,
  type AppDatabase,
  type RelayDatabase,
  type SystemDatabase,
} from "@tapeline/db";

export interface CommandDatabase {
  db: AppDatabase;
  system: SystemDatabase;
  /** The relay role: reads and updates event_outbox across tenants, nothing else. */
  relay: RelayDatabase;
  /** Root folder of tenant file storage, shared with the API and the worker. */
  storageRoot: string;
}

export async function withDatabase<T>(
  logLevel: string,
  work: (database: CommandDatabase) => Promise<T>,
): Promise<T> {
  const logger = createLogger("tapeline-cli");
  logger.level = logLevel;
  const env = readDatabaseEnv();
  const urls = await resolveDatabase({ logger, env });

  try {
    if (!env.DATABASE_URL) {
      await migrateDatabase({
        adminUrl: urls.adminUrl,
        appPassword: urls.appPassword,
        relayPassword: urls.relayPassword,
      });
    }
    const db = connectApp(urls.appUrl, {
      max: 2,
      applicationName: "tapeline-cli",
    });
    const system = connectSystem(urls.adminUrl);
    const relay = connectRelay(urls.relayUrl, { max: 1 });
    try {
      return await work({
        db,
        system,
        relay,
        storageRoot: env.storageDir,
      });
    } finally {
      await Promise.allSettled([db.close(), system.close(), relay.close()]);
    }
  } finally {
    await urls.embedded?.stop();
  }
}
