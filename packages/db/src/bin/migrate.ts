// pnpm db:migrate: applies pending migrations; a second run applies none.
import { createLogger } from "../logger.ts";
import { migrateDatabase } from "../migrate.ts";
import { resolveDatabase } from "../urls.ts";

const logger = createLogger("db:migrate");
const urls = await resolveDatabase({ logger });
try {
  const result = await migrateDatabase(urls);
  logger.info(result, result.applied === 0 ? "database is up to date" : "migrations applied");
} finally {
  await urls.embedded?.stop();
}
