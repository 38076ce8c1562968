// Loads the legacy fixture into the configured database (DATABASE_URL, or
// the embedded server), for the manual upgrade run in docs/upgrading.md:
//   pnpm --filter @tapeline/db exec tsx src/upgrade/load-legacy-fixture.ts --loans 10000
import { parseArgs } from "node:util";
import { createLogger } from "../logger.ts";
import { resolveDatabase } from "../urls.ts";
import { DATAPOINTS_PER_LOAN, loadLegacyFixture } from "./legacy-fixture.ts";

const logger = createLogger("legacy-fixture");
const { values } = parseArgs({ options: { loans: { type: "string", default: "10000" } } });
const loans = Number(values.loans);
const urls = await resolveDatabase({ logger });
try {
  const started = Date.now();
  await loadLegacyFixture(urls.adminUrl, { loans });
  logger.info(
    { loans, datapoints: loans * DATAPOINTS_PER_LOAN, durationMs: Date.now() - started },
    "legacy fixture loaded",
  );
} finally {
  await urls.embedded?.stop();
}
