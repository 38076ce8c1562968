// graphile-worker as the relay figure's baseline: one runner in the
// benchmark process with the library's default settings (in 0.16:
// concurrency 1, poll interval 2 s, LISTEN for new jobs) and a no-op task.
// Each round queues its jobs with one set-based add_jobs call, which is
// not timed, then times the runner until every job has succeeded and its
// row is gone (graphile-worker emits job:success before it deletes the row).
import { EventEmitter } from "node:events";
import { Logger, run, type Runner, type WorkerEvents } from "graphile-worker";
import postgres from "postgres";
import type { Sample } from "../measure.ts";
import { round3 } from "../measure.ts";
import { waitForDrain } from "./drain.ts";

const quietLogger = new Logger(() => () => {});

export interface GraphileBaseline {
  /** Queues `count` no-op jobs, then times the runner until all have succeeded and none is left. */
  drain(count: number): Promise<Sample>;
  stop(): Promise<void>;
}

async function queueJobs(sql: postgres.Sql, count: number): Promise<void> {
  await sql`
      select count(*) from graphile_worker.add_jobs(array(
          select row('noop', json_build_object('n', g),
                     null, null, null, null, null, null)::graphile_worker.job_spec
          from generate_series(1, ${count}::int) g))`;
}

async function hasNoJobsLeft(sql: postgres.Sql): Promise<boolean> {
  const [row] = await sql<{ left: boolean }[]>`select exists (select 1 from graphile_worker.jobs) as left`;
  return row?.left === false;
}

/** Throws unless the round left no job behind. */
async function checkNoJobsLeft(sql: postgres.Sql, succeeded: number, count: number): Promise<void> {
  const [row] = await sql<{ left: number }[]>`select count(*)::int as left from graphile_worker.jobs`;
  const left = row?.left ?? -1;
  if (succeeded !== count || left !== 0) {
    throw new Error(
      `graphile-worker round invalid: ${succeeded} of ${count} jobs succeeded and ${left} jobs are left; ` +
        "expected every job to succeed once and none to be left.",
    );
  }
}

/** Starts the runner (which installs graphile-worker's schema on first use) and returns once it is idle. */
export async function startGraphileBaseline(adminUrl: string): Promise<GraphileBaseline> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const events: WorkerEvents = new EventEmitter();
  let succeeded = 0;
  let failure: Error | undefined;
  events.on("job:success", () => {
    succeeded += 1;
  });
  events.on("job:error", ({ error }) => {
    failure ??= error instanceof Error ? error : new Error(String(error));
  });
  let runner: Runner;
  try {
    runner = await run({
      connectionString: adminUrl,
      noHandleSignals: true,
      logger: quietLogger,
      events,
      taskList: { noop: async () => {} },
    });
  } catch (error) {
    await sql.end();
    throw error;
  }

  return {
    async drain(count) {
      succeeded = 0;
      failure = undefined;
      await queueJobs(sql, count);
      const started = performance.now();
      await waitForDrain({
        label: "graphile-worker",
        count,
        progress: () => succeeded,
        finished: () => hasNoJobsLeft(sql),
        failure: async () => failure,
      });
      const seconds = (performance.now() - started) / 1000;
      await checkNoJobsLeft(sql, succeeded, count);
      return { value: count / seconds, detail: { jobs: count, seconds: round3(seconds) } };
    },
    async stop() {
      await runner.stop();
      await sql.end();
    },
  };
}
