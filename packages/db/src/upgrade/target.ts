// The schema that the legacy upgrade must reach: migrations 0000..0004,
// read from the migration files themselves so that the upgrade builds the
// very columns, constraints and indexes that `pnpm db:migrate` builds.
// Parses only the statement shapes drizzle-kit writes into 0001; anything
// else in that file raises instead of being skipped.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { migrationsFolder } from "../env.ts";

/** Migrations whose end state the legacy upgrade reproduces; newer ones run through the migrator. */
export const LEGACY_TARGET_TAGS = [
  "0000_create_roles",
  "0001_create_tables",
  "0002_create_tenant_functions",
  "0003_enable_row_level_security",
  "0004_create_audit_triggers",
] as const;

export type TargetTag = (typeof LEGACY_TARGET_TAGS)[number];

export interface TargetColumn {
  name: string;
  /** The column definition after the name, as drizzle-kit wrote it. */
  definition: string;
  notNull: boolean;
}

export interface TargetConstraint {
  table: string;
  name: string;
  /** `alter table ... add constraint ...` text, without NOT VALID. */
  sql: string;
}

export interface TargetTable {
  name: string;
  columns: TargetColumn[];
  primaryKey: { name: string; columns: string[] };
  checks: TargetConstraint[];
  /** The CREATE TABLE statement, for tables the legacy schema lacks. */
  createSql: string;
}

export interface TargetIndex {
  table: string;
  name: string;
  unique: boolean;
  /** `create index ...` text as in the migration. */
  sql: string;
}

export interface TargetSchema {
  types: { name: string; sql: string }[];
  tables: TargetTable[];
  foreignKeys: TargetConstraint[];
  indexes: TargetIndex[];
}

export interface MigrationFile {
  tag: TargetTag;
  /** Statements split on drizzle-kit's breakpoints, as drizzle's migrator splits them. */
  statements: string[];
  /** sha256 of the file text: drizzle records this in __drizzle_migrations.hash. */
  hash: string;
  /** The journal's `when`: drizzle records this in __drizzle_migrations.created_at. */
  createdAt: number;
}

interface JournalEntry {
  tag: string;
  when: number;
}

/** Reads the target migrations and their journal entries. */
export function readTargetMigrations(folder: string = migrationsFolder): MigrationFile[] {
  const journal = JSON.parse(
    readFileSync(path.join(folder, "meta", "_journal.json"), "utf8"),
  ) as { entries: JournalEntry[] };

  return LEGACY_TARGET_TAGS.map((tag) => {
    const entry = journal.entries.find((candidate) => candidate.tag === tag);
    if (!entry) {
      throw new Error(`Migration ${tag} is missing from the journal in ${folder}.`);
    }
    const text = readFileSync(path.join(folder, `${tag}.sql`), "utf8");
    return {
      tag,
      statements: text.split("--> statement-breakpoint"),
      hash: createHash("sha256").update(text).digest("hex"),
      createdAt: entry.when,
    };
  });
}

/** Parses 0001_create_tables into the objects the upgrade builds. */
export function readTargetSchema(folder: string = migrationsFolder): TargetSchema {
  const tablesMigration = readTargetMigrations(folder).find(
    (migration) => migration.tag === "0001_create_tables",
  );
  const schema: TargetSchema = { types: [], tables: [], foreignKeys: [], indexes: [] };
  for (const raw of tablesMigration?.statements ?? []) {
    const statement = raw.trim().replace(/;$/, "");
    if (statement.length > 0) addStatement(schema, statement);
  }
  return schema;
}

function addStatement(schema: TargetSchema, statement: string): void {
  let match = /^CREATE TYPE "public"\."(\w+)" AS ENUM/.exec(statement);
  if (match) {
    schema.types.push({ name: match[1]!, sql: statement });
    return;
  }
  match = /^CREATE TABLE "(\w+)" \(/.exec(statement);
  if (match) {
    schema.tables.push(parseTable(match[1]!, statement));
    return;
  }
  match = /^ALTER TABLE "(\w+)" ADD CONSTRAINT "(\w+)" FOREIGN KEY/.exec(statement);
  if (match) {
    schema.foreignKeys.push({ table: match[1]!, name: match[2]!, sql: statement });
    return;
  }
  match = /^CREATE (UNIQUE )?INDEX "(\w+)" ON "(\w+)"/.exec(statement);
  if (match) {
    schema.indexes.push({
      table: match[3]!,
      name: match[2]!,
      unique: match[1] !== undefined,
      sql: statement,
    });
    return;
  }
  throw new Error(`Unexpected statement in 0001_create_tables: ${statement.slice(0, 80)}`);
}

function parseTable(name: string, statement: string): TargetTable {
  const body = statement.slice(statement.indexOf("(") + 1, statement.lastIndexOf(")"));
  const table: TargetTable = {
    name,
    columns: [],
    primaryKey: { name: "", columns: [] },
    checks: [],
    createSql: statement,
  };
  for (const item of splitTopLevel(body)) {
    addTableItem(table, item.trim());
  }
  return table;
}

function addTableItem(table: TargetTable, item: string): void {
  const column = /^"(\w+)" (.+)$/s.exec(item);
  if (column) {
    const definition = column[2]!;
    table.columns.push({
      name: column[1]!,
      definition,
      notNull: / NOT NULL$/.test(definition) || definition.includes("PRIMARY KEY"),
    });
    return;
  }
  const primaryKey = /^CONSTRAINT "(\w+)" PRIMARY KEY\((.+)\)$/.exec(item);
  if (primaryKey) {
    table.primaryKey = {
      name: primaryKey[1]!,
      columns: primaryKey[2]!.split(",").map((part) => part.trim().replaceAll('"', "")),
    };
    return;
  }
  const check = /^CONSTRAINT "(\w+)" (CHECK .+)$/s.exec(item);
  if (check) {
    table.checks.push({
      table: table.name,
      name: check[1]!,
      sql: `ALTER TABLE "${table.name}" ADD CONSTRAINT "${check[1]}" ${check[2]}`,
    });
    return;
  }
  throw new Error(`Unexpected item in CREATE TABLE "${table.name}": ${item.slice(0, 80)}`);
}

/** Splits on commas outside parentheses and quotes. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === "(") {
      depth += 1;
    } else if (char === ")") {
      depth -= 1;
    } else if (char === "," && depth === 0) {
      parts.push(text.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.filter((part) => part.trim().length > 0);
}
