// @tapeline/db: the only package that opens database connections. Tenant
// work goes through AppDatabase.tenant(); system work through the named
// functions of SystemDatabase and RelayDatabase.
export * from "./schema/index.ts";
export * from "./errors.ts";
export { createLogger, flushLogger, type Logger, type LoggerOptions } from "./logger.ts";
export { readDatabaseEnv, DEFAULT_EXTRACTOR_VERSION, type DatabaseEnv } from "./env.ts";
export {
  resolveDatabase,
  withCredentials,
  withDatabase,
  APP_ROLE,
  RELAY_ROLE,
  OWNER_ROLE,
  type DatabaseUrls,
} from "./urls.ts";
export { startEmbeddedPostgres, type RunningEmbeddedPostgres } from "./embedded.ts";
export { migrateDatabase, type MigrateResult } from "./migrate.ts";
export {
  AppDatabase,
  connectApp,
  parseTenantId,
  tenantContextOf,
  type TenantTransaction,
  type TenantOptions,
} from "./tenant.ts";
export { prepareTenantQuery, TENANT_ID_PLACEHOLDER, type TenantQuery } from "./prepared.ts";
export { SystemDatabase, connectSystem, type TenantRecord } from "./system.ts";
export {
  enqueueEvent,
  RelayDatabase,
  connectRelay,
  OUTBOX_CHANNEL,
  type ClaimedEvent,
  type ClaimOptions,
  type DeadEvent,
  type TenantQueueStats,
  type NewEvent,
} from "./outbox.ts";
export {
  insertDatapoints,
  sha256Hex,
  InvalidDatapointError,
  type NewDatapoint,
  type DeterministicExtractionDatapoint,
  type ModelExtractionDatapoint,
  type TapeDatapoint,
  type ManualDatapoint,
  type InsertDatapointsOptions,
} from "./datapoints.ts";
export {
  backfillExtractorVersions,
  BackfillFailedError,
  type BackfillOptions,
  type TenantBackfill,
} from "./backfill-versions.ts";
export * from "./bulk.ts";
export { sql, eq, and, or, desc, asc, gt, lt, inArray, count } from "drizzle-orm";
export type { SQL, SQLWrapper } from "drizzle-orm";
