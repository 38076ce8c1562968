import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliEnv } from "./env.ts";
import { readImportArguments } from "./import.ts";
import { CommandError, UsageError } from "./usage.ts";

const TENANT = "3f2b1c9e-8d4a-4e6b-9c1d-2a7f5e8b0c31";

describe("readImportArguments", () => {
  let dir: string;
  let env: CliEnv;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tapeline-cli-"));
    env = { invocationDir: dir, logLevel: "silent", actor: "cli:test" };
    await writeFile(path.join(dir, "tape.txt"), "1|x\n");
    await writeFile(path.join(dir, "tape.csv"), "loan_identifier\nL-1\n");
    await writeFile(
      path.join(dir, "good.json"),
      JSON.stringify({ "Loan Number": "loan_identifier" }),
    );
    await writeFile(
      path.join(dir, "unknown-key.json"),
      JSON.stringify({ "Loan Number": "loan_identifier", X: "colour" }),
    );
    await writeFile(
      path.join(dir, "no-id.json"),
      JSON.stringify({ Amount: "loan_amount" }),
    );
    await writeFile(path.join(dir, "broken.json"), "{");
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads a tenant, file and inferred format", async () => {
    const hmda = await readImportArguments(
      ["--tenant", TENANT.toUpperCase(), "tape.txt"],
      env,
    );
    const csv = await readImportArguments(
      ["--tenant", TENANT, "tape.csv", "--mapping", "good.json"],
      env,
    );

    expect(hmda).toEqual({
      tenantId: TENANT,
      filePath: path.join(dir, "tape.txt"),
      format: "hmda",
      mapping: undefined,
    });
    expect(csv.format).toBe("csv");
    expect(csv.mapping).toEqual({ "Loan Number": "loan_identifier" });
  });

  it("reads an inline JSON mapping", async () => {
    const parsed = await readImportArguments(
      ["--tenant", TENANT, "tape.csv", "--mapping", '{"Loan Number":"loan_identifier"}'],
      env,
    );
    expect(parsed.mapping).toEqual({ "Loan Number": "loan_identifier" });
  });

  it("reports a missing file without usage", async () => {
    const reading = readImportArguments(["--tenant", TENANT, "absent.txt"], env);
    await expect(reading).rejects.toThrow(CommandError);
    await expect(reading).rejects.toThrow(/File not found: .*absent\.txt/);
  });

  it.each([
    [["tape.txt"], /Missing --tenant/],
    [
      ["--tenant", "acme", "tape.txt"],
      /Invalid --tenant "acme": expected a tenant id \(a UUID\)/,
    ],
    [["--tenant", TENANT], /Missing FILE/],
    [["--tenant", TENANT, "a.txt", "b.txt"], /Expected one FILE, got 2/],
    [
      ["--tenant", "00000000-0000-0000-0000-000000000000", "tape.txt"],
      /the nil UUID is reserved for global QC rules/,
    ],
    [
      ["--tenant", TENANT, "--mapping", "{\"__proto__\":\"loan_amount\"}", "tape.csv"],
      /Invalid --mapping \(inline JSON\).*"__proto__"/,
    ],
    [
      ["--tenant", TENANT, "--mapping", "{\"Loan Number\":", "tape.csv"],
      /Failed to read --mapping \(inline JSON\)/,
    ],
    [
      ["--tenant", TENANT, "--format", "xml", "tape.txt"],
      /Invalid --format "xml": use hmda or csv/,
    ],
    [
      ["--tenant", TENANT, "--mapping", "good.json", "tape.txt"],
      /--mapping applies to CSV tapes only/,
    ],
    [
      ["--tenant", TENANT, "--mapping", "broken.json", "tape.csv"],
      /Failed to read --mapping .*broken\.json/,
    ],
    [
      ["--tenant", TENANT, "--mapping", "unknown-key.json", "tape.csv"],
      /unknown field keys colour/,
    ],
    [
      ["--tenant", TENANT, "--mapping", "no-id.json", "tape.csv"],
      /map the column holding the loan number to loan_identifier/,
    ],
    [
      ["--tenant", TENANT, "--verbose", "tape.txt"],
      /Unknown option '--verbose'/,
    ],
  ])("rejects %j", async (args, message) => {
    const reading = readImportArguments(args, env);

    await expect(reading).rejects.toThrow(UsageError);
    await expect(reading).rejects.toThrow(message);
  });
});
