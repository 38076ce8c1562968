// relay: draining pending outbox events to a no-op receiver, against
// graphile-worker (default settings) draining as many no-op jobs on the
// same database. Our side is one worker process of apps/worker with its
// default settings, posting each event as a signed webhook to a loopback
// receiver that responds 204. The baseline is one graphile-worker runner
// in the benchmark process running a no-op task. Both stay running for the
// whole figure and drain one round's queue at a time. Rounds interleave as
// compare() runs them, after a smaller warm-up pair.
import { judge, type BenchContext, type FigureResult, type Goal } from "../context.ts";
import { compare, type Side } from "../measure.ts";
import { startGraphileBaseline, type GraphileBaseline } from "../relay/graphile.ts";
import { EVENT_TYPE, startOutboxRelay, type OutboxRelay } from "../relay/outbox.ts";

/** Tenants and loans per tenant the events are spread over, as in `pnpm soak`. */
const RELAY_TENANTS = 10;
const LOANS_PER_TENANT = 200;

const GOAL: Goal = { kind: "at-least", value: 2, text: ">= 2.0, and report events per second" };

export async function relay(ctx: BenchContext): Promise<FigureResult> {
  const count = ctx.mode.relayEvents;
  const warmup = Math.min(count, ctx.mode.relayWarmupEvents);
  const tenantIds = ctx.data.tenantIds.slice(0, RELAY_TENANTS);
  const started = performance.now();

  ctx.log(`relay: starting the outbox worker process and graphile-worker`);
  const graphile: GraphileBaseline = await startGraphileBaseline(ctx.cluster.adminUrl);
  let outbox: OutboxRelay | undefined;
  try {
    outbox = await startOutboxRelay({
      cluster: ctx.cluster,
      app: ctx.app,
      tenantIds,
      loansPerTenant: LOANS_PER_TENANT,
    });
    const relaySide = outbox;
    let round = 0;
    const roundName = () => (round === 0 ? "warm-up" : `round ${round}`);
    const ours: Side = {
      label: "outbox relay",
      run: async () => {
        const sample = await relaySide.drain(round === 0 ? warmup : count);
        ctx.log(`relay: ${roundName()}: relay ${sample.value.toFixed(0)} events/s`);
        return sample;
      },
    };
    const baseline: Side = {
      label: "graphile-worker",
      run: async () => {
        const sample = await graphile.drain(round === 0 ? warmup : count);
        ctx.log(`relay: ${roundName()}: graphile-worker ${sample.value.toFixed(0)} jobs/s`);
        round += 1;
        return sample;
      },
    };

    ctx.log(`relay: warm-up pair of ${warmup}, then ${ctx.mode.relayRounds} pairs of ${count}`);
    const comparison = await compare({ ours, baseline, rounds: ctx.mode.relayRounds });
    return {
      id: "relay",
      ours:
        `one worker process (apps/worker, default settings) draining ${count} pending ${EVENT_TYPE} ` +
        "events as signed webhook POSTs to a loopback receiver that responds 204",
      baseline: `one graphile-worker runner (default settings: concurrency 1) draining ${count} no-op jobs`,
      unit: "events/s",
      goal: GOAL,
      status: judge(GOAL, comparison),
      comparison,
      facts: {
        "relay events/s": Math.round(comparison.oursMedian),
        "graphile-worker jobs/s": Math.round(comparison.baselineMedian),
        tenants: tenantIds.length,
        "loans per tenant": LOANS_PER_TENANT,
        "warm-up events": warmup,
        "wall time": `${Math.round((performance.now() - started) / 1000)} s`,
      },
    };
  } finally {
    await Promise.allSettled([outbox?.stop(), graphile.stop()]);
  }
}
