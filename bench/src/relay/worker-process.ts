// One outbox worker process for the relay figure: apps/worker/src/index.ts,
// the entry `pnpm start` runs in apps/worker, with the product's default
// settings. Only the database URLs, a storage folder and
// WEBHOOK_ALLOW_PRIVATE_TARGETS=true (the receiver is on 127.0.0.1) are set.
// The environment is built from scratch, so WORKER_* variables of the shell
// running the benchmark do not leak into it.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import type { BenchCluster } from "../cluster.ts";

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const workerEntry = path.join(repositoryRoot, "apps", "worker", "src", "index.ts");
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const OUTPUT_KEPT_CHARS = 4_000;

export interface WorkerProcess {
  /** The last lines the process wrote, for error messages. */
  output(): string;
  /** Sends SIGTERM (the worker finishes its batch), and SIGKILL if it has not exited within 30 s. */
  stop(): Promise<void>;
}

/** Waits until the worker's relay connection has run LISTEN, so a NOTIFY reaches it. */
async function waitUntilListening(adminUrl: string, exited: () => boolean): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const deadline = performance.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      const [row] = await sql<{ listening: number }[]>`
          select count(*)::int as listening from pg_stat_activity
          where datname = current_database()
            and application_name = 'tapeline-relay'
            and query ilike 'listen%'`;
      if ((row?.listening ?? 0) > 0) return;
      if (exited()) throw new Error("The outbox worker process exited before it ran LISTEN.");
      if (performance.now() > deadline) {
        throw new Error(`The outbox worker process did not run LISTEN within ${READY_TIMEOUT_MS / 1000} s.`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await sql.end();
  }
}

/** Starts the worker process and returns once it is waiting for events. */
export async function startWorkerProcess(cluster: BenchCluster): Promise<WorkerProcess> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "tapeline-bench-worker-"));
  const child = spawn(process.execPath, ["--import", "tsx", workerEntry], {
    cwd: repositoryRoot,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      DATABASE_URL: cluster.adminUrl,
      DATABASE_APP_URL: cluster.appUrl,
      DATABASE_RELAY_URL: cluster.relayUrl,
      TAPELINE_DATA_DIR: dataDir,
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT_CHARS);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let hasExited = false;
  const exited = new Promise<void>((resolve) =>
    child.on("exit", () => {
      hasExited = true;
      resolve();
    }),
  );

  const stop = async () => {
    if (!hasExited) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntilListening(cluster.adminUrl, () => hasExited);
  } catch (error) {
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)} Its output:\n${output}`);
  }
  return { output: () => output, stop };
}
