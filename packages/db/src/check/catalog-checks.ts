// Runs the catalog checks in packages/db/checks: one numbered SQL file per
// concern, each returning the offending rows as (object, detail, remedy).
// Adding a check is adding a file; nothing here needs to change.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type postgres from "postgres";
import type { Finding } from "./finding.ts";

export const checksFolder = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../checks",
);

const CHECK_FILE = /^\d{4}_[a-z0-9_]+\.sql$/;

export interface CatalogCheck {
  name: string;
  sql: string;
}

/** Reads the check files in name order. */
export async function loadCatalogChecks(folder = checksFolder): Promise<CatalogCheck[]> {
  const names = (await readdir(folder)).filter((name) => CHECK_FILE.test(name)).sort();
  return Promise.all(
    names.map(async (name) => ({
      name: name.replace(/\.sql$/, ""),
      sql: await readFile(path.join(folder, name), "utf8"),
    })),
  );
}

/**
 * Runs every check on `sql`, whose session must use `search_path =
 * pg_catalog` so pg_get_expr qualifies app.* functions the same way on
 * every server. A check that fails to run is itself reported.
 */
export async function runCatalogChecks(
  sql: postgres.Sql,
  checks: readonly CatalogCheck[],
): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const check of checks) {
    try {
      const rows = await sql.unsafe<{ object: string; detail: string; remedy: string }[]>(check.sql);
      findings.push(...rows.map((row) => ({ check: check.name, ...row })));
    } catch (error) {
      findings.push({
        check: check.name,
        object: `check ${check.name}.sql`,
        detail: `the check failed to run: ${(error as Error).message}`,
        remedy: "fix the SQL in packages/db/checks so it returns (object, detail, remedy) rows",
      });
    }
  }
  return findings;
}
