import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readUploadArguments, runDocuments } from "./documents.ts";
import type { CliEnv } from "./env.ts";
import { CommandError, UsageError } from "./usage.ts";

const TENANT = "3f2b1c9e-8d4a-4e6b-9c1d-2a7f5e8b0c31";
const LOAN = "9b1d4c2e-6f3a-4b8d-a1c2-7e5f3d9a0b46";

describe("readUploadArguments", () => {
  let dir: string;
  let env: CliEnv;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tapeline-cli-documents-"));
    env = { invocationDir: dir, logLevel: "silent", actor: "cli:test" };
    await writeFile(path.join(dir, "estimate.pdf"), "%PDF-1.4\n");
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads tenant, loan and file", async () => {
    const parsed = await readUploadArguments(
      ["--tenant", TENANT, "--loan", LOAN.toUpperCase(), "estimate.pdf"],
      env,
    );
    expect(parsed).toEqual({ tenantId: TENANT, loanId: LOAN, filePath: path.join(dir, "estimate.pdf") });
  });

  const usageErrors: [string, string[], RegExp][] = [
    ["a missing --tenant", ["--loan", LOAN, "estimate.pdf"], /^Missing --tenant/],
    ["a --tenant that is not a UUID", ["--tenant", "acme", "--loan", LOAN, "estimate.pdf"], /^Invalid --tenant "acme"/],
    ["the nil tenant", ["--tenant", "00000000-0000-0000-0000-000000000000", "--loan", LOAN, "estimate.pdf"], /reserved for global QC rules/],
    ["a missing --loan", ["--tenant", TENANT, "estimate.pdf"], /^Missing --loan/],
    ["a --loan that is not a UUID", ["--tenant", TENANT, "--loan", "L-1", "estimate.pdf"], /^Invalid --loan "L-1": expected a loan id/],
    ["no file", ["--tenant", TENANT, "--loan", LOAN], /^Missing FILE/],
    ["two files", ["--tenant", TENANT, "--loan", LOAN, "a.pdf", "b.pdf"], /^Expected one FILE, got 2: a\.pdf b\.pdf/],
    ["an unknown option", ["--tenant", TENANT, "--loan", LOAN, "--format", "pdf", "estimate.pdf"], /--format/],
  ];

  it.each(usageErrors)("rejects %s", async (_name, args, message) => {
    const error = await readUploadArguments(args, env).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  it("reports a missing file", async () => {
    const error = await readUploadArguments(["--tenant", TENANT, "--loan", LOAN, "missing.pdf"], env).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CommandError);
    expect((error as Error).message).toBe(`File not found: ${path.join(dir, "missing.pdf")}. Check the path.`);
  });

  it("rejects unknown documents commands", async () => {
    await expect(runDocuments([], env)).rejects.toThrow(/^Missing documents command: use `documents upload`/);
    await expect(runDocuments(["list"], env)).rejects.toThrow(/^Unknown documents command "list"/);
  });
});
