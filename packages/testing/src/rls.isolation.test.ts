// The isolation suite (isolation-suite.ts) on a freshly migrated database,
// with two tenants created for this file.
import { afterAll } from "vitest";
import { createTestDatabase } from "./database.ts";
import { createTenantPair } from "./fixtures.ts";
import { defineIsolationSuite } from "./isolation-suite.ts";

const t = await createTestDatabase();
afterAll(async () => {
  await t.close();
});

const { tenantA, tenantB } = await createTenantPair(t.system);
await defineIsolationSuite({ db: t.db, adminUrl: t.adminUrl, appUrl: t.appUrl, tenantA, tenantB });
