import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppDatabase } from "@tapeline/db";
import { FileStorage } from "../storage/index.ts";
import { createImport, ImportRequestError, validateMapping } from "./create-import.ts";

const TENANT = "3f2b1c9e-8d4a-4e6b-9c1d-2a7f5e8b0c31";

/** These rejections happen before any SQL: a database that throws on use proves it. */
const unusedDatabase = new Proxy({} as AppDatabase, {
  get() {
    throw new Error("the database must not be reached");
  },
});

/** Answers createImport's tenant check with the tenant's row and nothing else. */
const tenantCheckOnlyDatabase = {
  tenant: async () => [{ id: TENANT }],
} as unknown as AppDatabase;

describe("validateMapping", () => {
  it("keeps column order as position", () => {
    expect(validateMapping({ ULI: "loan_identifier", " Rate ": "interest_rate" })).toEqual([
      { sourceColumn: "ULI", fieldKey: "loan_identifier", position: 0 },
      { sourceColumn: "Rate", fieldKey: "interest_rate", position: 1 },
    ]);
  });

  it.each([
    [{ ULI: "loan_identifier", Amt: "amount" }, "UNKNOWN_FIELD_KEY", '"amount"'],
    [{ Amount: "loan_amount" }, "MAPPING_REQUIRED", "loan_identifier"],
    [{ A: "loan_identifier", B: "loan_identifier" }, "INVALID_MAPPING", '"A"'],
    [{ "  ": "loan_identifier" }, "INVALID_MAPPING", "CSV header"],
  ])("rejects %j", (mapping, code, named) => {
    let caught: unknown;
    try {
      validateMapping(mapping);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ImportRequestError);
    expect((caught as ImportRequestError).code).toBe(code);
    expect((caught as ImportRequestError).message).toContain(named);
  });
});

describe("createImport rejections", () => {
  let root: string;
  let storage: FileStorage;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), "tapeline-create-import-"));
    storage = new FileStorage(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  async function filesUnder(folder: string): Promise<string[]> {
    const entries = await readdir(folder, { recursive: true, withFileTypes: true });
    return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
  }

  async function codeOf(promise: Promise<unknown>): Promise<string> {
    const error = await promise.then(
      () => undefined,
      (rejected: unknown) => rejected,
    );
    expect(error).toBeInstanceOf(ImportRequestError);
    return (error as ImportRequestError).code;
  }

  it("rejects a stream of empty chunks", async () => {
    const content = Readable.from([Buffer.alloc(0), Buffer.alloc(0)]);
    const input = { fileName: "a.txt", format: "hmda" as const, content };
    expect(await codeOf(createImport(unusedDatabase, storage, TENANT, input, "u"))).toBe("EMPTY_FILE");
    expect(await filesUnder(root)).toEqual([]);
  });

  it("rejects an empty byte array", async () => {
    const input = { fileName: "a.txt", format: "hmda" as const, content: new Uint8Array() };
    expect(await codeOf(createImport(unusedDatabase, storage, TENANT, input, "u"))).toBe("EMPTY_FILE");
  });

  it("rejects a stream over maxBytes and removes it", async () => {
    const content = Readable.from([Buffer.alloc(600, 1), Buffer.alloc(600, 2)]);
    const input = { fileName: "a.txt", format: "hmda" as const, content, maxBytes: 1000 };
    expect(await codeOf(createImport(tenantCheckOnlyDatabase, storage, TENANT, input, "u"))).toBe("FILE_TOO_LARGE");
    expect(await filesUnder(root)).toEqual([]);
  });

  it("rejects a CSV import without mapping", async () => {
    const input = { fileName: "a.csv", format: "csv" as const, content: Buffer.from("a\n1\n") };
    expect(await codeOf(createImport(unusedDatabase, storage, TENANT, input, "u"))).toBe("MAPPING_REQUIRED");
    expect(await filesUnder(root)).toEqual([]);
  });

  it("rejects a __proto__ mapping column", async () => {
    const mapping = JSON.parse('{"__proto__":"loan_amount","Loan ID":"loan_identifier"}') as Record<
      string,
      string
    >;
    const input = { fileName: "a.csv", format: "csv" as const, content: Buffer.from("a\n1\n"), mapping };
    expect(await codeOf(createImport(unusedDatabase, storage, TENANT, input, "u"))).toBe("INVALID_MAPPING");
  });

  it("rejects a file name of only a directory", async () => {
    const input = { fileName: "tapes/", format: "hmda" as const, content: Buffer.from("x") };
    expect(await codeOf(createImport(unusedDatabase, storage, TENANT, input, "u"))).toBe(
      "INVALID_IMPORT_REQUEST",
    );
  });
});
