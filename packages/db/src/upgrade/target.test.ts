import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { migrationsFolder } from "../env.ts";
import { readTargetMigrations, readTargetSchema } from "./target.ts";

describe("target schema", () => {
  const scratch = mkdtempSync(path.join(tmpdir(), "tapeline-target-"));

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("parses every object of 0001", () => {
    const schema = readTargetSchema();
    expect(schema.types).toHaveLength(12);
    expect(schema.tables.map((table) => table.name)).toContain("monitoring_events");
    expect(schema.tables).toHaveLength(13);
    expect(schema.foreignKeys).toHaveLength(23);
    expect(schema.indexes).toHaveLength(22);
    expect(schema.tables.flatMap((table) => table.checks)).toHaveLength(16);
  });

  it("reads composite keys and multi-line checks", () => {
    const datapoints = readTargetSchema().tables.find((table) => table.name === "loan_datapoints");
    expect(datapoints?.primaryKey).toEqual({ name: "loan_datapoints_pkey", columns: ["tenant_id", "id"] });
    const lineage = datapoints?.checks.find((check) => check.name === "loan_datapoints_extraction_lineage");
    expect(lineage?.sql).toMatch(/extractor_version" is not null\n\s*\)\)$/);
    expect(datapoints?.columns.find((column) => column.name === "tenant_id")?.notNull).toBe(true);
    expect(datapoints?.columns.find((column) => column.name === "extractor_kind")?.notNull).toBe(false);
  });

  it("hashes migrations as drizzle records them", () => {
    const [roles] = readTargetMigrations();
    expect(roles?.tag).toBe("0000_create_roles");
    expect(roles?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(roles?.createdAt).toBeGreaterThan(0);
  });

  it("rejects a statement it cannot parse", () => {
    const folder = path.join(scratch, "migrations");
    cpSync(migrationsFolder, folder, { recursive: true });
    const file = path.join(folder, "0001_create_tables.sql");
    writeFileSync(file, `${readFileSync(file, "utf8")}--> statement-breakpoint\nDROP TABLE "tenants";`);
    expect(() => readTargetSchema(folder)).toThrow(/Unexpected statement in 0001_create_tables: DROP TABLE/);
  });
});
