// A database on a running test server that went through the legacy
// upgrade: created empty, filled with the legacy fixture, then upgraded.
// For suites that must hold on upgraded data as well as on a freshly
// migrated database (the isolation suite, db:check).
import { randomBytes } from "node:crypto";
import { DEFAULT_EXTRACTOR_VERSION } from "../env.ts";
import { APP_ROLE, RELAY_ROLE, withCredentials, withDatabase } from "../urls.ts";
import { createDatabase } from "../admin.ts";
import { loadLegacyFixture } from "./legacy-fixture.ts";
import type { UpgradeReport } from "./report.ts";
import { upgradeLegacyDatabase, type UpgradeOptions } from "./run.ts";

export interface UpgradedDatabaseOptions {
  /** Superuser URL of the server's maintenance database. */
  maintenanceUrl: string;
  appPassword: string;
  relayPassword: string;
  /** Database name; a random tapeline_upgraded_* name when omitted. */
  name?: string;
  /** Loans in the legacy fixture (about 20 datapoints each); 120 when omitted. */
  loans?: number;
  /** Options passed through to the upgrade. */
  upgrade?: Partial<Pick<UpgradeOptions, "batchSize" | "lockTimeoutMs" | "hooks" | "logger" | "until">>;
}

export interface UpgradedDatabase {
  name: string;
  adminUrl: string;
  appUrl: string;
  relayUrl: string;
  report: UpgradeReport;
}

/** Creates a database from the legacy fixture and upgrades it; drop it with dropDatabase. */
export async function createUpgradedDatabase(options: UpgradedDatabaseOptions): Promise<UpgradedDatabase> {
  const name = options.name ?? `tapeline_upgraded_${randomBytes(6).toString("hex")}`;
  await createDatabase(options.maintenanceUrl, name);
  const adminUrl = withDatabase(options.maintenanceUrl, name);
  await loadLegacyFixture(adminUrl, { loans: options.loans ?? 120 });
  const report = await upgradeLegacyDatabase({
    adminUrl,
    appPassword: options.appPassword,
    relayPassword: options.relayPassword,
    extractorVersion: DEFAULT_EXTRACTOR_VERSION,
    ...options.upgrade,
  });
  return {
    name,
    adminUrl,
    appUrl: withCredentials(adminUrl, APP_ROLE, options.appPassword),
    relayUrl: withCredentials(adminUrl, RELAY_ROLE, options.relayPassword),
    report,
  };
}
