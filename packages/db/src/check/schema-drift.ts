// Asks drizzle-kit whether the TypeScript schema (src/schema) and the
// migrations disagree, without touching the real migrations folder: it
// runs `drizzle-kit generate` against a temporary copy and reports any
// migration file that appears there.
import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Finding } from "./finding.ts";

const CHECK = "drizzle-kit generate";
const TIMEOUT_MS = 120_000;

export interface SchemaDriftOptions {
  /** packages/db: where drizzle.config.ts and node_modules/.bin/drizzle-kit are. */
  packageRoot: string;
  migrationsFolder: string;
}

interface RunResult {
  output: string;
  error?: Error;
}

function runDrizzleKit(packageRoot: string, outFolder: string): Promise<RunResult> {
  const binary = path.join(packageRoot, "node_modules", ".bin", "drizzle-kit");
  return new Promise((resolve) => {
    const child = execFile(
      binary,
      ["generate"],
      {
        cwd: packageRoot,
        // drizzle.config.ts reads this; drizzle-kit prefixes "./" to the out
        // path, so it must be relative to packageRoot.
        env: { ...process.env, TAPELINE_MIGRATIONS_OUT: path.relative(packageRoot, outFolder) },
        timeout: TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => resolve({ output: `${stdout}${stderr}`, error: error ?? undefined }),
    );
    child.stdin?.end();
  });
}

/** Reports a finding when `drizzle-kit generate` would write a new migration, or cannot run. */
export async function checkSchemaDrift(options: SchemaDriftOptions): Promise<Finding[]> {
  const scratch = await mkdtemp(path.join(tmpdir(), "tapeline-db-check-"));
  try {
    await cp(options.migrationsFolder, scratch, { recursive: true });
    const before = new Set(await readdir(scratch));
    const result = await runDrizzleKit(options.packageRoot, scratch);
    const added = (await readdir(scratch)).filter((name) => name.endsWith(".sql") && !before.has(name));

    if (added.length > 0) {
      return [
        {
          check: CHECK,
          object: "packages/db/src/schema",
          detail: `drizzle-kit generate would write ${added.join(", ")}: the schema files and the migrations disagree`,
          remedy: "run pnpm db:generate and commit the new migration, or change src/schema back to match the migrations",
        },
      ];
    }
    // drizzle-kit 0.31 exits 0 even when it fails, so success is its own message.
    if (result.error || !/No schema changes/.test(result.output)) {
      const tail = result.output.trim().split("\n").slice(-5).join(" | ");
      return [
        {
          check: CHECK,
          object: "packages/db/drizzle.config.ts",
          detail: `drizzle-kit generate did not finish cleanly (${result.error?.message ?? "no 'No schema changes' line"}): ${tail}`,
          remedy: "run pnpm db:generate in packages/db and fix what it reports",
        },
      ];
    }
    return [];
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
