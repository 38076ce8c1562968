export { createTestDatabase, useTestDatabase, type TestDatabase } from "./database.ts";
export { createTenant, createTenantPair, type TenantPair } from "./fixtures.ts";
