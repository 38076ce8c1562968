// relay: draining pending outbox events to a no-op receiver, against
// graphile-worker (default settings) draining as many no-op jobs on the
// same database. The baseline side runs in every mode, so its path stays
// exercised; the figure itself needs the outbox relay.
import { EventEmitter } from "node:events";
import { Logger, run, type WorkerEvents } from "graphile-worker";
import postgres from "postgres";
import type { BenchContext, FigureResult } from "../context.ts";
import { round3 } from "../measure.ts";

/** Queues `count` no-op jobs with set-based SQL (not measured). */
async function queueJobs(adminUrl: string, count: number): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`
        select graphile_worker.add_job('noop', json_build_object('n', g))
        from generate_series(1, ${count}) g`;
  } finally {
    await sql.end();
  }
}

const quietLogger = new Logger(() => () => {});

/** Starts graphile-worker with its defaults, waits for `count` successes; returns seconds. */
async function drainJobs(adminUrl: string, count: number): Promise<number> {
  const events: WorkerEvents = new EventEmitter();
  let succeeded = 0;
  const finished = new Promise<void>((resolve, reject) => {
    events.on("job:success", () => {
      succeeded += 1;
      if (succeeded === count) resolve();
    });
    events.on("job:error", ({ error }) => reject(error));
  });
  const started = performance.now();
  const runner = await run({
    connectionString: adminUrl,
    noHandleSignals: true,
    logger: quietLogger,
    events,
    taskList: { noop: async () => {} },
  });
  try {
    await finished;
    return (performance.now() - started) / 1000;
  } finally {
    await runner.stop();
  }
}

async function installGraphileSchema(adminUrl: string): Promise<void> {
  // A run with no jobs queued installs the schema and stops.
  const runner = await run({
    connectionString: adminUrl,
    noHandleSignals: true,
    logger: quietLogger,
    taskList: {},
  });
  await runner.stop();
}

async function measureGraphile(ctx: BenchContext, count: number) {
  ctx.log(`relay: graphile-worker draining ${count} no-op jobs`);
  await installGraphileSchema(ctx.cluster.adminUrl);
  await queueJobs(ctx.cluster.adminUrl, count);
  const seconds = await drainJobs(ctx.cluster.adminUrl, count);
  return {
    graphileJobs: count,
    graphileSeconds: round3(seconds),
    graphileJobsPerSecond: Math.round(count / seconds),
  };
}

/**
 * Reports the relay figure. The outbox relay (claim, deliver, complete)
 * has not landed, so our side cannot run. Quick mode still drains the
 * baseline to keep that path checked. A full run skips it, because 100,000
 * jobs at graphile-worker's default concurrency of one take minutes and
 * give no ratio.
 */
export async function relay(ctx: BenchContext): Promise<FigureResult> {
  const count = ctx.mode.relayEvents;
  // TODO: when the relay lands, drain `count` pending events through it
  // and compare with measureGraphile interleaved, as compare() does.
  const facts = ctx.mode.name === "quick" ? await measureGraphile(ctx, count) : undefined;
  return {
    id: "relay",
    ours: `draining ${count} pending outbox events to a no-op receiver`,
    baseline: `graphile-worker (default settings) draining ${count} no-op jobs`,
    unit: "events/s",
    goal: { kind: "at-least", value: 2, text: ">= 2.0, and report events per second" },
    status: "not measured",
    note: "relay not merged",
    facts,
  };
}
