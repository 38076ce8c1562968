// Webhook delivery end to end, in process: real PostgreSQL as the
// application and relay roles, real HTTP receivers on 127.0.0.1.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger, enqueueEvent, eventOutbox, eq, monitoringEvents, type AppDatabase } from "@tapeline/db";
import { createSubscriber, listTenantDeadEvents } from "@tapeline/core/webhooks";
import { createTenant, useTestDatabase } from "@tapeline/testing";
import { startWorker, type RunningWorker, type WorkerOptions } from "../worker.ts";
import { startTestReceiver, type TestReceiver } from "./test-receiver.ts";

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 30_000, what = "condition") {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function enqueue(db: AppDatabase, tenantId: string, aggregateId: string, payload: Record<string, unknown>) {
  return db.tenant(tenantId, (tx) =>
    enqueueEvent(tx, { type: "loan.updated", aggregateType: "loan", aggregateId, payload }),
  );
}

describe("webhook relay", () => {
  const t = useTestDatabase();
  const logger = createLogger("relay-test");
  logger.level = "silent";
  let storageRoot: string;
  let worker: RunningWorker | undefined;
  const receivers: TestReceiver[] = [];

  beforeAll(async () => {
    storageRoot = await mkdtemp(path.join(tmpdir(), "tapeline-relay-"));
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
  });
  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await rm(storageRoot, { recursive: true, force: true });
  });

  function start(options: Partial<WorkerOptions> = {}) {
    worker = startWorker({
      relayUrl: t.relayUrl,
      appUrl: t.appUrl,
      storageRoot,
      logger,
      pollIntervalMs: 100,
      allowPrivateTargets: true,
      retryBaseSeconds: 0.05,
      retryMaxSeconds: 0.2,
      ...options,
    });
    return worker;
  }

  async function tenantWithReceiver(label: string) {
    const tenantId = await createTenant(t.system, label);
    const receiver = await startTestReceiver();
    receivers.push(receiver);
    const { secret } = await createSubscriber(
      t.db,
      tenantId,
      { url: receiver.url, eventTypes: ["*"] },
      "test",
    );
    receiver.secret = secret;
    return { tenantId, receiver };
  }

  async function statuses(tenantId: string) {
    return t.db.tenant(tenantId, (tx) =>
      tx
        .select({ id: eventOutbox.id, status: eventOutbox.status, attempts: eventOutbox.attempts })
        .from(eventOutbox)
        .where(eq(eventOutbox.tenantId, tenantId)),
    );
  }

  it("delivers a randomized run to each tenant's own receiver, signed, in order per loan", async () => {
    const a = await tenantWithReceiver("relay-a");
    const b = await tenantWithReceiver("relay-b");
    const loans = new Map([
      [a.tenantId, Array.from({ length: 8 }, () => randomUUID())],
      [b.tenantId, Array.from({ length: 8 }, () => randomUUID())],
    ]);
    const sent = new Map<string, { tenantId: string; loanId: string }>();
    start({ batchSize: 16 });
    // Writers run concurrently, several events per transaction, while the worker claims.
    await Promise.all(
      Array.from({ length: 6 }, async (_, writer) => {
        for (let round = 0; round < 15; round += 1) {
          const tenantId = Math.random() < 0.5 ? a.tenantId : b.tenantId;
          const tenantLoans = loans.get(tenantId)!;
          await t.db.tenant(tenantId, async (tx) => {
            for (let n = 0; n < 1 + Math.floor(Math.random() * 3); n += 1) {
              const loanId = tenantLoans[Math.floor(Math.random() * tenantLoans.length)]!;
              const id = await enqueueEvent(tx, {
                type: "loan.updated",
                aggregateType: "loan",
                aggregateId: loanId,
                payload: { writer, round, n },
              });
              sent.set(id, { tenantId, loanId });
            }
          });
        }
      }),
    );
    await waitFor(
      async () =>
        [...(await statuses(a.tenantId)), ...(await statuses(b.tenantId))].every((row) => row.status === "done"),
      30_000,
      "every event done",
    );

    for (const { tenantId, receiver } of [a, b]) {
      const expected = [...sent].filter(([, event]) => event.tenantId === tenantId).map(([id]) => id);
      const received = receiver.delivered.map((delivery) => delivery.eventId);
      expect(new Set(received)).toEqual(new Set(expected));
      for (const delivery of receiver.delivered) {
        expect(delivery.tenantId).toBe(tenantId);
        expect(sent.get(delivery.eventId)?.tenantId).toBe(tenantId);
        expect(delivery.signatureValid).toBe(true);
      }
      // Per loan, the receiver saw events in seq order.
      const seqOf = new Map(
        (
          await t.db.tenant(tenantId, (tx) =>
            tx.select({ id: eventOutbox.id, seq: eventOutbox.seq }).from(eventOutbox).where(eq(eventOutbox.tenantId, tenantId)),
          )
        ).map((row) => [row.id, row.seq]),
      );
      for (const loanId of loans.get(tenantId)!) {
        const seqs = receiver.delivered.filter((d) => d.aggregateId === loanId).map((d) => seqOf.get(d.eventId)!);
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      }
    }
  });

  it("holds back a failing loan's later events, not other loans', then delivers once the receiver recovers", async () => {
    const { tenantId, receiver } = await tenantWithReceiver("relay-retry");
    const stuckLoan = randomUUID();
    const otherLoan = randomUUID();
    receiver.rejectIf((payload) => payload.flaky === true);
    const first = await enqueue(t.db, tenantId, stuckLoan, { flaky: true });
    const second = await enqueue(t.db, tenantId, stuckLoan, { n: 2 });
    const other = await enqueue(t.db, tenantId, otherLoan, { n: 3 });
    start();

    await waitFor(() => receiver.delivered.some((d) => d.eventId === other), 10_000, "the other loan's event");
    await waitFor(async () => {
      const row = (await statuses(tenantId)).find((r) => r.id === first);
      return (row?.attempts ?? 0) >= 3;
    }, 10_000, "three failed attempts");
    expect(receiver.delivered.map((d) => d.eventId)).not.toContain(second);
    expect(receiver.rejected).toBeGreaterThanOrEqual(3);

    receiver.rejectIf(undefined);
    await waitFor(() => receiver.delivered.some((d) => d.eventId === second), 10_000, "the held-back event");
    const order = receiver.delivered.map((d) => d.eventId).filter((id) => id === first || id === second);
    expect(order).toEqual([first, second]);
  });

  it("marks an event dead after the maximum attempts against a receiver that times out, lists it and replays it", async () => {
    const { tenantId, receiver } = await tenantWithReceiver("relay-dead");
    receiver.setMode({ hang: true });
    const eventId = await enqueue(t.db, tenantId, randomUUID(), { n: 1 });
    start({ maxAttempts: 2, webhookTimeoutMs: 200 });

    await waitFor(async () => (await statuses(tenantId)).some((r) => r.id === eventId && r.status === "dead"), 15_000, "dead");
    const dead = await t.relay.listDeadEvents({ tenantId });
    expect(dead.map((event) => [event.id, event.attempts])).toEqual([[eventId, 2]]);
    expect(dead[0]?.lastError).toMatch(/timed out after 200 ms/);
    expect((await listTenantDeadEvents(t.db, tenantId)).map((event) => event.id)).toEqual([eventId]);

    receiver.setMode({ status: 200 });
    expect(await t.relay.replayDeadEvent(eventId)).toBe(true);
    expect(await t.relay.replayDeadEvent(eventId)).toBe(false);
    await waitFor(() => receiver.delivered.some((d) => d.eventId === eventId), 10_000, "the replayed event");
    await waitFor(async () => (await statuses(tenantId)).some((r) => r.id === eventId && r.status === "done"), 10_000, "done");
  });

  it("rejects loopback targets when private targets are not allowed", async () => {
    const { tenantId, receiver } = await tenantWithReceiver("relay-ssrf");
    const eventId = await enqueue(t.db, tenantId, randomUUID(), {});
    start({ allowPrivateTargets: false, maxAttempts: 1 });
    await waitFor(async () => (await statuses(tenantId)).some((r) => r.id === eventId && r.status === "dead"), 10_000, "dead");
    const [dead] = await t.relay.listDeadEvents({ tenantId });
    expect(dead?.lastError).toMatch(/127\.0\.0\.1 is private, loopback or link-local/);
    expect(receiver.delivered).toEqual([]);
  });

  it("exposes metrics in the Prometheus format and writes them to monitoring_events per tenant", async () => {
    const { tenantId, receiver } = await tenantWithReceiver("relay-metrics");
    const running = start({ metricsPort: 0, metricsIntervalMs: 200 });
    const port = await running.metricsPort;
    for (let n = 0; n < 3; n += 1) await enqueue(t.db, tenantId, randomUUID(), { n });
    await waitFor(() => receiver.delivered.length === 3, 10_000, "three deliveries");

    await waitFor(async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return text.includes(`tapeline_webhook_deliveries_total{tenant_id="${tenantId}"} 3`);
    }, 10_000, "the delivery counter");
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toContain("# TYPE tapeline_outbox_queue_depth gauge");
    expect(text).toContain(`tapeline_outbox_processed_events_total{tenant_id="${tenantId}"} 3`);

    const rows = async () =>
      t.db.tenant(tenantId, (tx) =>
        tx
          .select({ name: monitoringEvents.name, value: monitoringEvents.value })
          .from(monitoringEvents)
          .where(eq(monitoringEvents.tenantId, tenantId)),
      );
    await waitFor(async () => (await rows()).some((row) => row.name === "webhook.deliveries"), 10_000, "a sample");
    const written = await rows();
    expect(written.filter((row) => row.name === "webhook.deliveries").reduce((sum, row) => sum + row.value, 0)).toBe(3);
  });
});
