import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, flushLogger } from "./logger.ts";

const run = promisify(execFile);
const loggerModule = path.join(path.dirname(fileURLToPath(import.meta.url)), "logger.ts");
const LINES = 5_000;

/** Runs `ending` in a fresh Node.js process after it logged LINES lines asynchronously to `file`. */
async function logInChild(file: string, ending: string): Promise<void> {
  const script = [
    `const { createLogger } = await import(${JSON.stringify(loggerModule)});`,
    `const logger = createLogger("child", { destination: ${JSON.stringify(file)}, sync: false });`,
    `for (let i = 0; i < ${LINES}; i++) logger.info({ i }, "line");`,
    ending,
  ].join("\n");
  await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script]).catch(
    (error: { code?: number }) => {
      if (error.code === undefined) throw error;
    },
  );
}

async function countLines(file: string): Promise<number> {
  const text = await readFile(file, "utf8");
  return text.split("\n").filter((line) => line !== "").length;
}

describe("createLogger with sync: false", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tapeline-logger-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("flushLogger writes every line", async () => {
    const file = path.join(dir, "flush.log");
    const logger = createLogger("test", { destination: file, sync: false });
    for (let i = 0; i < LINES; i++) logger.info({ i }, "line");
    await flushLogger(logger);
    expect(await countLines(file)).toBe(LINES);
  });

  it("flushLogger resolves when idle", async () => {
    const file = path.join(dir, "idle.log");
    const logger = createLogger("test", { destination: file, sync: false });
    await flushLogger(logger);
    logger.info("one line");
    await flushLogger(logger);
    await flushLogger(logger);
    expect(await countLines(file)).toBe(1);
  });

  it("keeps every line on process.exit", async () => {
    const file = path.join(dir, "exit.log");
    await logInChild(file, "process.exit(0);");
    expect(await countLines(file)).toBe(LINES);
  });

  it("keeps every line on an uncaught error", async () => {
    const file = path.join(dir, "crash.log");
    await logInChild(file, 'throw new Error("crash after logging");');
    expect(await countLines(file)).toBe(LINES);
  });

  it("keeps every line on SIGTERM handled with exit", async () => {
    const file = path.join(dir, "sigterm.log");
    const ending = [
      'process.once("SIGTERM", () => process.exit(0));',
      'process.kill(process.pid, "SIGTERM");',
      "setTimeout(() => {}, 5_000);",
    ].join("\n");
    await logInChild(file, ending);
    expect(await countLines(file)).toBe(LINES);
  });
});
