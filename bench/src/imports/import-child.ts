// Child process of the import-memory figure: imports one tape and reports
// its own peak resident set size, so each tape size is measured in a fresh
// process. Reads BENCH_IMPORT_CONFIG (JSON); replies over IPC.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { FileStorage } from "@tapeline/core/storage";
import { connectApp, connectSystem } from "@tapeline/db";
import { importTape } from "./import-tape.ts";

export interface ImportChildConfig {
  appUrl: string;
  adminUrl: string;
  file: string;
  label: string;
}

export interface ImportChildResult {
  /** Peak resident set size of this process, in KiB (process.resourceUsage().maxRSS). */
  maxRssKiB: number;
  rows: number;
  seconds: number;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.BENCH_IMPORT_CONFIG ?? "{}") as ImportChildConfig;
  const storageDir = await mkdtemp(path.join(tmpdir(), "tapeline-bench-import-"));
  const db = connectApp(config.appUrl, { max: 2 });
  const system = connectSystem(config.adminUrl);
  try {
    const storage = new FileStorage(storageDir);
    const outcome = await importTape({ db, system, storage }, config.file, config.label);
    const result: ImportChildResult = {
      maxRssKiB: process.resourceUsage().maxRSS,
      rows: outcome.rows,
      seconds: outcome.seconds,
    };
    process.send?.(result);
  } finally {
    await Promise.all([db.close(), system.close()]);
    await rm(storageDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.disconnect?.(),
  (error: unknown) => {
    process.stderr.write(`import child failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
