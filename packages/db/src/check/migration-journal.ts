// Checks that the migration files and drizzle-kit's journal agree, and
// that the database has applied exactly what the journal lists. Drizzle's
// migrator reads only the journal and applies only entries newer than the
// last applied one, so a file missing from the journal, or an entry older
// than an applied one, is silently never run.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type postgres from "postgres";
import type { Finding } from "./finding.ts";

const CHECK = "migration journal";
const MIGRATION_FILE = /^(\d{4})_[a-z0-9_]+\.sql$/;
const NEW_MIGRATION = "create migrations with pnpm db:new NAME (drizzle-kit generate --custom), which numbers the file and adds its journal entry";

export interface JournalEntry {
  idx: number;
  when: number;
  tag: string;
}

export async function readJournal(migrationsFolder: string): Promise<JournalEntry[]> {
  const text = await readFile(path.join(migrationsFolder, "meta", "_journal.json"), "utf8");
  return (JSON.parse(text) as { entries: JournalEntry[] }).entries;
}

function finding(object: string, detail: string, remedy = NEW_MIGRATION): Finding {
  return { check: CHECK, object, detail, remedy };
}

function duplicates(values: readonly string[]): string[] {
  return [...new Set(values.filter((value, i) => values.indexOf(value) !== i))];
}

/** Compares the .sql files of `migrationsFolder` with its meta/_journal.json. */
export async function checkMigrationFiles(migrationsFolder: string): Promise<Finding[]> {
  const journalFile = path.join(migrationsFolder, "meta", "_journal.json");
  if (!existsSync(journalFile)) {
    return [finding(journalFile, "the drizzle-kit journal is missing")];
  }
  const files = (await readdir(migrationsFolder)).filter((name) => name.endsWith(".sql")).sort();
  const entries = await readJournal(migrationsFolder);
  const tags = new Set(entries.map((entry) => entry.tag));
  const findings: Finding[] = [];

  for (const file of files) {
    if (!MIGRATION_FILE.test(file)) {
      findings.push(finding(`migrations/${file}`, "the file name is not NNNN_name.sql"));
    }
    if (!tags.has(file.replace(/\.sql$/, ""))) {
      findings.push(finding(`migrations/${file}`, "the file has no journal entry, so the migrator never applies it"));
    }
  }
  for (const number of duplicates(files.map((file) => file.slice(0, 4)))) {
    findings.push(finding(`migrations/${number}_*.sql`, `more than one migration file is numbered ${number}`));
  }

  entries.forEach((entry, position) => {
    const object = `journal entry ${entry.tag}`;
    if (!files.includes(`${entry.tag}.sql`)) {
      findings.push(finding(object, `migrations/${entry.tag}.sql does not exist`, "restore the file, or remove the entry if the migration was never applied anywhere"));
    }
    if (entry.idx !== position || !entry.tag.startsWith(String(position).padStart(4, "0"))) {
      findings.push(finding(object, `entry ${position} has idx ${entry.idx} and tag ${entry.tag}; entries must be numbered 0, 1, 2, ... like their files`));
    }
    const previous = entries[position - 1];
    if (previous && entry.when <= previous.when) {
      findings.push(finding(object, `its timestamp ${entry.when} is not after ${previous.tag}'s, so the migrator skips it on databases that applied ${previous.tag}`));
    }
    if (!existsSync(path.join(migrationsFolder, "meta", `${entry.tag.slice(0, 4)}_snapshot.json`))) {
      findings.push(finding(object, `meta/${entry.tag.slice(0, 4)}_snapshot.json is missing, so drizzle-kit generate cannot diff against it`));
    }
  });
  for (const number of duplicates(entries.map((entry) => entry.tag.slice(0, 4)))) {
    findings.push(finding(`journal entries ${number}_*`, `more than one journal entry is numbered ${number}`));
  }
  return findings;
}

/** Migration file hash as drizzle-orm's migrator computes it (SHA-256 of the whole file). */
function migrationHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Compares drizzle.__drizzle_migrations with the journal: pending, edited or skipped migrations. */
export async function checkAppliedMigrations(
  sql: postgres.Sql,
  migrationsFolder: string,
): Promise<Finding[]> {
  const [table] = await sql<{ name: string | null }[]>`
    select to_regclass('drizzle.__drizzle_migrations')::text as name`;
  const applied = table?.name
    ? await sql<{ hash: string; created_at: string }[]>`
        select hash, created_at::text from drizzle.__drizzle_migrations`
    : [];
  const appliedByWhen = new Map(applied.map((row) => [Number(row.created_at), row.hash]));
  const lastApplied = Math.max(0, ...appliedByWhen.keys());
  const entries = await readJournal(migrationsFolder);
  const findings: Finding[] = [];

  for (const entry of entries) {
    const file = path.join(migrationsFolder, `${entry.tag}.sql`);
    if (!existsSync(file)) continue;
    const hash = appliedByWhen.get(entry.when);
    const object = `migration ${entry.tag}`;
    if (hash === undefined && entry.when > lastApplied) {
      findings.push(finding(object, "not applied to this database yet", "run pnpm db:migrate"));
    } else if (hash === undefined) {
      findings.push(finding(object, "never applied, and the migrator will not apply it because a newer migration already is", "move its SQL into a new migration made with pnpm db:new NAME"));
    } else if (hash !== migrationHash(await readFile(file, "utf8"))) {
      findings.push(finding(object, "the file changed after this database applied it; the migrator does not re-run it", "restore the applied version and put the change in a new migration"));
    }
  }
  const known = new Set(entries.map((entry) => entry.when));
  for (const when of appliedByWhen.keys()) {
    if (!known.has(when)) {
      findings.push(finding(`applied migration ${when}`, "this database applied a migration the journal does not list", "restore its file and journal entry from the branch that added it"));
    }
  }
  return findings;
}
