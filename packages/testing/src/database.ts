// A database of its own for each test file, cloned from the migrated
// template or upgraded from the legacy fixture, with connections for the
// application, relay and admin roles.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, inject } from "vitest";
import {
  APP_ROLE,
  RELAY_ROLE,
  connectApp,
  connectRelay,
  connectSystem,
  createLogger,
  withCredentials,
  withDatabase,
  type AppDatabase,
  type RelayDatabase,
  type SystemDatabase,
} from "@tapeline/db";
import { createDatabase, dropDatabase } from "@tapeline/db/admin";
import { createUpgradedDatabase, type UpgradeReport } from "@tapeline/db/upgrade";
import type { TestServer } from "./provided-context.ts";

export interface TestDatabase {
  name: string;
  /** Superuser URL of this test database: fixtures and catalog reads only. */
  adminUrl: string;
  appUrl: string;
  relayUrl: string;
  /** The application role's pool: every test query on tenant data goes here. */
  db: AppDatabase;
  system: SystemDatabase;
  relay: RelayDatabase;
}

export type ClosableTestDatabase = TestDatabase & { close(): Promise<void> };

export interface UpgradedTestDatabase extends ClosableTestDatabase {
  /** The upgrade report: rows per table before and after, quarantined and backfilled. */
  report: UpgradeReport;
}

/** Creates a fresh database from the template; call `close` when done. */
export async function createTestDatabase(): Promise<ClosableTestDatabase> {
  const server = inject("tapeline");
  const name = `tapeline_test_${randomBytes(6).toString("hex")}`;
  await createDatabase(server.maintenanceUrl, name, { template: server.templateDatabase });
  return connectTestDatabase(server, name);
}

/**
 * Creates a database from the legacy fixture (packages/db/legacy) and
 * upgrades it in place, as `pnpm db:upgrade --from-legacy` does, so a
 * suite can run on migrated legacy rows. `loans` sets the fixture's size
 * (about 20 datapoints per loan). Call `close` when done.
 */
export async function createUpgradedTestDatabase(
  options: { loans?: number } = {},
): Promise<UpgradedTestDatabase> {
  const server = inject("tapeline");
  const logger = createLogger("db:upgrade");
  // The upgrade logs each step at info level; LOG_LEVEL, when set, still applies.
  if (!process.env.LOG_LEVEL) logger.level = "warn";
  const upgraded = await createUpgradedDatabase({ ...server, loans: options.loans, upgrade: { logger } });
  return { ...connectTestDatabase(server, upgraded.name), report: upgraded.report };
}

function connectTestDatabase(server: TestServer, name: string): ClosableTestDatabase {
  const adminUrl = withDatabase(server.maintenanceUrl, name);
  const appUrl = withCredentials(adminUrl, APP_ROLE, server.appPassword);
  const relayUrl = withCredentials(adminUrl, RELAY_ROLE, server.relayPassword);
  const db = connectApp(appUrl, { max: 4 });
  const system = connectSystem(adminUrl);
  const relay = connectRelay(relayUrl);
  return {
    name,
    adminUrl,
    appUrl,
    relayUrl,
    db,
    system,
    relay,
    async close() {
      await Promise.all([db.close(), system.close(), relay.close()]);
      await dropDatabase(server.maintenanceUrl, name);
    },
  };
}

/**
 * Registers beforeAll/afterAll hooks that give the calling test file its own
 * database. The returned object is filled in before the first test runs.
 */
export function useTestDatabase(): TestDatabase {
  const handle = {} as TestDatabase & { close?: () => Promise<void> };
  beforeAll(async () => {
    Object.assign(handle, await createTestDatabase());
  });
  afterAll(async () => {
    await handle.close?.();
  });
  return handle;
}
