// Our side of the relay figure: pending events in event_outbox, drained by
// one outbox worker process (the code `pnpm start` runs). The worker claims
// them, posts each as a signed webhook to a no-op receiver on 127.0.0.1,
// records the delivery and completes the event. Writing the events is
// set-based SQL as the admin role and is not timed.
import postgres from "postgres";
import { createSubscriber } from "@tapeline/core/webhooks";
import type { AppDatabase } from "@tapeline/db";
import type { BenchCluster } from "../cluster.ts";
import { round3, type Sample } from "../measure.ts";
import { waitForDrain } from "./drain.ts";
import { startNoopReceiver, type NoopReceiver } from "./receiver.ts";
import { startWorkerProcess, type WorkerProcess } from "./worker-process.ts";

/** A product event type that has no internal handler, so the worker only delivers it. */
export const EVENT_TYPE = "conflict.opened";

export interface OutboxSetup {
  cluster: BenchCluster;
  /** Application-role database, for creating the subscribers. */
  app: AppDatabase;
  tenantIds: string[];
  loansPerTenant: number;
}

export interface OutboxRelay {
  /** Writes `count` pending events, then times the worker until all are delivered and done. */
  drain(count: number): Promise<Sample>;
  stop(): Promise<void>;
}

/** Empties the outbox and the delivery records, so every round starts alike. */
async function resetOutbox(sql: postgres.Sql): Promise<void> {
  await sql`truncate webhook_deliveries, event_outbox`;
}

/**
 * Writes `count` pending events in seq order, round-robin over the tenants
 * and, within a tenant, over its loans, so one batch contains many aggregates.
 */
async function writeEvents(sql: postgres.Sql, setup: OutboxSetup, count: number): Promise<void> {
  const tenants = setup.tenantIds.length;
  await sql`
      insert into event_outbox (tenant_id, type, aggregate_type, aggregate_id, payload)
      select (${sql.array(setup.tenantIds)}::uuid[])[1 + g % ${tenants}::int],
             ${EVENT_TYPE}, 'loan',
             md5((g % ${tenants}::int) || '/' || ((g / ${tenants}::int) % ${setup.loansPerTenant}::int))::uuid,
             jsonb_build_object('conflictId', md5('conflict/' || g)::uuid)
      from generate_series(0, ${count}::int - 1) g
      order by g`;
}

interface OutboxCounts {
  done: number;
  open: number;
  dead: number;
  delivered: number;
  failed: number;
}

async function readCounts(sql: postgres.Sql): Promise<OutboxCounts> {
  const [row] = await sql<OutboxCounts[]>`
      select
          (select count(*)::int from event_outbox where status = 'done') as done,
          (select count(*)::int from event_outbox where status in ('pending', 'processing')) as open,
          (select count(*)::int from event_outbox where status = 'dead') as dead,
          (select count(*)::int from webhook_deliveries where status = 'delivered') as delivered,
          (select count(*)::int from webhook_deliveries where status = 'failed') as failed`;
  if (!row) throw new Error("reading the outbox counts returned no row");
  return row;
}

/** Throws unless every event was delivered exactly once and is done. */
async function checkExactlyOnce(sql: postgres.Sql, receiver: NoopReceiver, count: number): Promise<void> {
  const counts = await readCounts(sql);
  const valid =
    counts.done === count &&
    counts.open === 0 &&
    counts.dead === 0 &&
    counts.delivered === count &&
    counts.failed === 0 &&
    receiver.received === count &&
    receiver.distinct === count;
  if (!valid) {
    throw new Error(
      `relay round invalid: of ${count} events, ${counts.done} done, ${counts.open} pending or processing, ` +
        `${counts.dead} dead; ${counts.delivered} deliveries recorded, ${counts.failed} failed; ` +
        `the receiver got ${receiver.received} POSTs for ${receiver.distinct} distinct events. ` +
        "Expected every event done and received once.",
    );
  }
}

async function hasDeadEvents(sql: postgres.Sql): Promise<boolean> {
  const [row] = await sql<{ dead: boolean }[]>`
      select exists (select 1 from event_outbox where status = 'dead') as dead`;
  return row?.dead ?? false;
}

async function hasNoOpenEvents(sql: postgres.Sql): Promise<boolean> {
  const [row] = await sql<{ open: boolean }[]>`
      select exists (
          select 1 from event_outbox where status in ('pending', 'processing')) as open`;
  return row?.open === false;
}

/** Subscribes every tenant to every event type at one receiver URL. */
async function subscribeTenants(setup: OutboxSetup, url: string): Promise<void> {
  for (const tenantId of setup.tenantIds) {
    await createSubscriber(setup.app, tenantId, { url, eventTypes: ["*"] }, "bench");
  }
}

/** Starts the receiver and the worker process, and returns once the worker is waiting for events. */
export async function startOutboxRelay(setup: OutboxSetup): Promise<OutboxRelay> {
  const sql = postgres(setup.cluster.adminUrl, { max: 1, onnotice: () => {} });
  const receiver = await startNoopReceiver();
  let worker: WorkerProcess | undefined;
  try {
    await subscribeTenants(setup, receiver.url);
    worker = await startWorkerProcess(setup.cluster);
  } catch (error) {
    await Promise.allSettled([receiver.close(), sql.end()]);
    throw error;
  }
  const running = worker;

  return {
    async drain(count) {
      await resetOutbox(sql);
      receiver.reset();
      await writeEvents(sql, setup, count);
      const started = performance.now();
      await waitForDrain({
        label: "relay",
        count,
        progress: () => receiver.received,
        finished: () => hasNoOpenEvents(sql),
        failure: async () =>
          (await hasDeadEvents(sql))
            ? new Error(`relay round invalid: an event is dead; worker output:\n${running.output()}`)
            : undefined,
        diagnostics: () => `Worker output:\n${running.output()}`,
      });
      const seconds = (performance.now() - started) / 1000;
      await checkExactlyOnce(sql, receiver, count);
      return { value: count / seconds, detail: { events: count, seconds: round3(seconds) } };
    },
    async stop() {
      await running.stop();
      await Promise.allSettled([receiver.close(), sql.end()]);
    },
  };
}
