// pnpm db:upgrade --from-legacy [--dry-run] [--until additive|switch]:
// upgrades a legacy Tapeline database in place (docs/upgrading.md) and
// prints the report as JSON on stdout.
import { parseArgs } from "node:util";
import { readDatabaseEnv } from "../env.ts";
import { createLogger } from "../logger.ts";
import { resolveDatabase } from "../urls.ts";
import { upgradeLegacyDatabase } from "../upgrade/run.ts";

const usage = `Usage: pnpm db:upgrade --from-legacy [options]
  --from-legacy               required: the database has the legacy schema
  --dry-run                   report what would change; change nothing
  --until additive|switch     last phase to run (default switch); run "additive"
                              while the old application is live
  --batch-size N              rows per batch in quarantine moves and backfills (default 5000)
  --lock-timeout-ms N         lock_timeout of each locking statement (default 2000)
  --statement-timeout-ms N    statement_timeout of DDL and batches (default 60000)`;

function positiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new Error(`Invalid ${name} ${JSON.stringify(value)}: give a whole number of at least 1.\n${usage}`);
  }
  return parsed;
}

function readArguments() {
  const { values } = parseArgs({
    options: {
      "from-legacy": { type: "boolean", default: false },
      "dry-run": { type: "boolean", default: false },
      until: { type: "string", default: "switch" },
      "batch-size": { type: "string" },
      "lock-timeout-ms": { type: "string" },
      "statement-timeout-ms": { type: "string" },
    },
  });
  if (!values["from-legacy"]) {
    throw new Error(`Missing --from-legacy: this command only upgrades the legacy schema; ` +
      `for a database created by Tapeline's migrations run pnpm db:migrate.\n${usage}`);
  }
  if (values.until !== "additive" && values.until !== "switch") {
    throw new Error(`Invalid --until ${JSON.stringify(values.until)}: use additive or switch.\n${usage}`);
  }
  return {
    dryRun: values["dry-run"],
    until: values.until,
    batchSize: positiveInteger("--batch-size", values["batch-size"]),
    lockTimeoutMs: positiveInteger("--lock-timeout-ms", values["lock-timeout-ms"]),
    statementTimeoutMs: positiveInteger("--statement-timeout-ms", values["statement-timeout-ms"]),
  } as const;
}

const logger = createLogger("db:upgrade");
const options = readArguments();
const urls = await resolveDatabase({ logger });
try {
  const report = await upgradeLegacyDatabase({
    ...options,
    adminUrl: urls.adminUrl,
    appPassword: urls.appPassword,
    relayPassword: urls.relayPassword,
    extractorVersion: readDatabaseEnv().currentExtractorVersion,
    logger,
  });
  console.log(JSON.stringify(report, null, 2));
  if (!report.balanced) {
    logger.error("the report does not balance for every table; see rows marked balanced: false");
    process.exitCode = 1;
  }
} finally {
  await urls.embedded?.stop();
}
