import { defineConfig } from "vitest/config";

// One PostgreSQL for the whole run (packages/testing/src/global-setup.ts);
// each test file gets its own database cloned from a migrated template.
export default defineConfig({
  test: {
    include: ["{packages,apps}/*/src/**/*.test.ts"],
    globalSetup: ["packages/testing/src/global-setup.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
