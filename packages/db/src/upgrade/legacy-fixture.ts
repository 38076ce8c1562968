// Loads the legacy schema (legacy/schema.sql) and its generated data
// (legacy/fixture.sql) into an empty database, for tests and for the
// manual upgrade run in docs/upgrading.md.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { DEFAULT_EXTRACTOR_VERSION } from "../env.ts";
import { tableExists } from "./catalog.ts";
import { UpgradeError } from "./errors.ts";

const legacyFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../legacy");

/** Datapoints the fixture writes per loan: 10 tape, 8 extraction, 2 manual. */
export const DATAPOINTS_PER_LOAN = 20;

export interface LegacyFixtureOptions {
  /** Loans to generate; the fixture writes about 20 datapoints per loan. */
  loans: number;
  /** The version the upgrade will backfill; some fixture rows collide with it. */
  extractorVersion?: string;
}

/** Creates the legacy schema in `adminUrl` (which must have no loan_candidates table) and fills it. */
export async function loadLegacyFixture(adminUrl: string, options: LegacyFixtureOptions): Promise<void> {
  if (!Number.isInteger(options.loans) || options.loans < 1) {
    throw new UpgradeError(
      "INVALID_FIXTURE_SIZE",
      `Invalid legacy fixture size ${String(options.loans)}: give a whole number of loans, at least 1.`,
    );
  }
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    if (await tableExists(sql, "loan_candidates")) {
      throw new UpgradeError(
        "FIXTURE_TARGET_NOT_EMPTY",
        "The database already has a loan_candidates table; load the legacy fixture into an empty database.",
      );
    }
    await sql.unsafe(readFileSync(path.join(legacyFolder, "schema.sql"), "utf8"));
    await sql`select set_config('legacy_fixture.loans', ${String(options.loans)}, false),
                     set_config('legacy_fixture.extractor_version',
                                ${options.extractorVersion ?? DEFAULT_EXTRACTOR_VERSION}, false)`;
    await sql.unsafe(readFileSync(path.join(legacyFolder, "fixture.sql"), "utf8"));
    await sql`analyze`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
