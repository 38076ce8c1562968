// db:check's core: the catalog checks, the migration journal and applied
// migrations, and schema drift, run against one database. The CLI in
// bin/check.ts only resolves the database and prints.
import path from "node:path";
import postgres from "postgres";
import { migrationsFolder as defaultMigrationsFolder } from "../env.ts";
import { checksFolder, loadCatalogChecks, runCatalogChecks } from "./catalog-checks.ts";
import type { Finding } from "./finding.ts";
import { checkAppliedMigrations, checkMigrationFiles } from "./migration-journal.ts";
import { readTableSecurity, type TableSecurity } from "./rls-summary.ts";
import { checkSchemaDrift } from "./schema-drift.ts";

export { formatFindings, type Finding } from "./finding.ts";
export { formatTableSecurity, type TableSecurity } from "./rls-summary.ts";
export { loadCatalogChecks, checksFolder } from "./catalog-checks.ts";
export { checkMigrationFiles } from "./migration-journal.ts";
export { checkSchemaDrift } from "./schema-drift.ts";
export { generateErd } from "./erd.ts";

export interface CheckDatabaseOptions {
  /** A superuser or tapeline_owner URL of the database to check. */
  adminUrl: string;
  migrationsFolder?: string;
  /** Run `drizzle-kit generate` against a copy of the migrations (a few seconds); default true. */
  schemaDrift?: boolean;
}

export interface CheckReport {
  findings: Finding[];
  tables: TableSecurity[];
  /** Names of the checks that ran, catalog files first. */
  checks: string[];
}

/** Runs every check; an empty `findings` means the database passed. */
export async function checkDatabase(options: CheckDatabaseOptions): Promise<CheckReport> {
  const migrationsFolder = options.migrationsFolder ?? defaultMigrationsFolder;
  const catalogChecks = await loadCatalogChecks(checksFolder);
  const sql = postgres(options.adminUrl, {
    max: 1,
    onnotice: () => {},
    // pg_get_expr then prints app.current_tenant_id() schema-qualified on every server.
    connection: { search_path: "pg_catalog", application_name: "tapeline-db-check" },
  });
  try {
    const findings = [
      ...(await runCatalogChecks(sql, catalogChecks)),
      ...(await checkMigrationFiles(migrationsFolder)),
      ...(await checkAppliedMigrations(sql, migrationsFolder)),
    ];
    if (options.schemaDrift ?? true) {
      findings.push(
        ...(await checkSchemaDrift({ packageRoot: path.dirname(migrationsFolder), migrationsFolder })),
      );
    }
    const checks = [
      ...catalogChecks.map((check) => check.name),
      "migration journal",
      ...(options.schemaDrift ?? true ? ["drizzle-kit generate"] : []),
    ];
    return { findings, tables: await readTableSecurity(sql), checks };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
