// Starts real worker processes (node --import tsx) for crash and load
// tests, against a given database, and collects their exit.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repositoryRoot = path.resolve(here, "../../../..");
export const crashWorkerEntry = path.join(here, "crash-worker.ts");

export interface WorkerProcess {
  child: ChildProcess;
  /** Settles with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the process wrote to stderr and stdout (log lines). */
  output(): string;
}

export function spawnWorker(options: {
  adminUrl: string;
  appUrl: string;
  relayUrl: string;
  dataDir: string;
  env?: Record<string, string>;
  entry?: string;
}): WorkerProcess {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", options.entry ?? crashWorkerEntry], {
    cwd: repositoryRoot,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      DATABASE_URL: options.adminUrl,
      DATABASE_APP_URL: options.appUrl,
      DATABASE_RELAY_URL: options.relayUrl,
      TAPELINE_DATA_DIR: options.dataDir,
      LOG_LEVEL: "warn",
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
      WORKER_POLL_INTERVAL_MS: "100",
      WORKER_METRICS_INTERVAL_MS: "0",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => output };
}
