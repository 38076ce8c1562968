// @tapeline/db/upgrade: the in-place upgrade of a legacy Tapeline
// database (pnpm db:upgrade --from-legacy), its legacy fixture, and the
// schema comparison the tests use to prove the result.
export { upgradeLegacyDatabase, type UpgradeOptions } from "./run.ts";
export type { UpgradeHooks, Phase } from "./context.ts";
export type { UpgradeReport, TableReport, StepRun, PlannedStep } from "./report.ts";
export { UpgradeError, UpgradeStepError } from "./errors.ts";
export { loadLegacyFixture, DATAPOINTS_PER_LOAN, type LegacyFixtureOptions } from "./legacy-fixture.ts";
export {
  createUpgradedDatabase,
  type UpgradedDatabase,
  type UpgradedDatabaseOptions,
} from "./upgraded-database.ts";
export { readSchemaCatalog, diffSchemaCatalogs, type SchemaCatalog } from "./schema-catalog.ts";
