export { createTestDatabase, useTestDatabase, type TestDatabase } from "./database.ts";
export { createTenant, createTenantPair, type TenantPair } from "./fixtures.ts";
export {
  listTenantTables,
  type TenantTable,
  type ForeignKeyInfo,
  type UniqueIndexInfo,
} from "./catalog.ts";
export {
  fixtureFactories,
  missingFactories,
  type FixtureContext,
  type FixtureFactory,
} from "./fixture-factories.ts";
export { TableFixtures } from "./fixtures-by-table.ts";
export {
  countWhereSql,
  deleteWhereSql,
  insertRowSql,
  touchWhereSql,
  updateRowSql,
  type ColumnValues,
} from "./row-sql.ts";
export { captureSqlError, postgresErrorOf, type PostgresErrorInfo } from "./sql-errors.ts";
export { inRolledBackTenant } from "./tenant-transactions.ts";
