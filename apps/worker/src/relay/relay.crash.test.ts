// Crash tests with real worker processes: each one kills itself with
// SIGKILL at a named point (TAPELINE_FAULT_KILL_AT); a restarted worker
// must then deliver every event, losing none, with duplicates only where
// the crash came after a delivery and before its record, recognisable by
// event id.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueEvent, eq, eventOutbox, monitoringEvents, and, type AppDatabase } from "@tapeline/db";
import { createSubscriber } from "@tapeline/core/webhooks";
import { createTenant, useTestDatabase } from "@tapeline/testing";
import type { FaultPoint } from "./faults.ts";
import { spawnWorker, type WorkerProcess } from "./spawn-worker.ts";
import { startTestReceiver, type TestReceiver } from "./test-receiver.ts";

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function outboxOf(db: AppDatabase, tenantId: string) {
  return db.tenant(tenantId, (tx) =>
    tx
      .select({ id: eventOutbox.id, status: eventOutbox.status, type: eventOutbox.type })
      .from(eventOutbox)
      .where(eq(eventOutbox.tenantId, tenantId)),
  );
}

describe("relay crashes", () => {
  const t = useTestDatabase();
  let dataDir: string;
  const receivers: TestReceiver[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "tapeline-crash-"));
  });
  const spawned: WorkerProcess[] = [];
  afterAll(async () => {
    // A failed assertion can leave a worker running; end only the ones this file started.
    for (const process of spawned) if (process.child.exitCode === null) process.child.kill("SIGKILL");
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await rm(dataDir, { recursive: true, force: true });
  });

  async function tenantWithReceiver(label: string) {
    const tenantId = await createTenant(t.system, label);
    const receiver = await startTestReceiver();
    receivers.push(receiver);
    const { secret } = await createSubscriber(t.db, tenantId, { url: receiver.url, eventTypes: ["*"] }, "test");
    receiver.secret = secret;
    return { tenantId, receiver };
  }

  const worker = (env: Record<string, string> = {}) => {
    const process = spawnWorker({ adminUrl: t.adminUrl, appUrl: t.appUrl, relayUrl: t.relayUrl, dataDir, env });
    spawned.push(process);
    return process;
  };

  it.each<[FaultPoint, string]>([
    ["after-claim", "loan.updated"],
    ["mid-batch", "loan.updated"],
    ["during-handler", "test.recorded"],
    ["after-delivery", "loan.updated"],
  ])("delivers every event after a kill -9 at %s", { timeout: 90_000 }, async (point, type) => {
    const tenants = [await tenantWithReceiver(`crash-a`), await tenantWithReceiver(`crash-b`)];
    const sent = new Map<string, string>();
    // Alternating tenants, so every batch holds events of both (mid-batch needs two groups).
    for (let n = 0; n < 15; n += 1) {
      for (const { tenantId } of tenants) {
        const id = await t.db.tenant(tenantId, (tx) =>
          enqueueEvent(tx, { type, aggregateType: "loan", aggregateId: randomUUID(), payload: { n } }),
        );
        sent.set(id, tenantId);
      }
    }

    // One claim loop, so exactly one batch is in flight at the kill and the
    // duplicate bounds below hold. The restarted worker runs the default two.
    const crashing = worker({
      TAPELINE_FAULT_KILL_AT: point,
      WORKER_LEASE_SECONDS: "2",
      WORKER_BATCH_SIZE: "10",
      WORKER_CONCURRENCY: "1",
    });
    const crash = await Promise.race([
      crashing.exited,
      new Promise((resolve) => setTimeout(resolve, 30_000, "still running")),
    ]);
    if (crash === "still running") crashing.child.kill("SIGKILL");
    expect(crash, crashing.output()).toEqual({ code: null, signal: "SIGKILL" });
    const processing = (await Promise.all(tenants.map(({ tenantId }) => outboxOf(t.db, tenantId))))
      .flat()
      .filter((row) => row.status === "processing");
    expect(processing.length).toBeGreaterThan(0);

    const restarted = worker({ WORKER_LEASE_SECONDS: "2" });
    await waitFor(
      async () =>
        (await Promise.all(tenants.map(({ tenantId }) => outboxOf(t.db, tenantId))))
          .flat()
          .every((row) => row.status === "done"),
      60_000,
      "every event done",
    );
    restarted.child.kill("SIGTERM");
    expect(await restarted.exited, restarted.output()).toEqual({ code: 0, signal: null });

    let duplicates = 0;
    for (const { tenantId, receiver } of tenants) {
      const expected = [...sent].filter(([, owner]) => owner === tenantId).map(([id]) => id);
      const received = receiver.delivered.map((delivery) => delivery.eventId);
      expect(new Set(received)).toEqual(new Set(expected));
      expect(receiver.delivered.every((d) => d.tenantId === tenantId && d.signatureValid)).toBe(true);
      duplicates += received.length - new Set(received).size;
    }
    // A duplicate needs a 2xx that was not recorded before the kill: possible
    // only for events of the killed batch (10) that had been posted.
    if (point === "after-delivery") expect(duplicates).toBeGreaterThanOrEqual(1);
    if (point === "after-delivery" || point === "mid-batch") expect(duplicates).toBeLessThanOrEqual(10);
    else expect(duplicates).toBe(0);

    if (type === "test.recorded") {
      for (const { tenantId } of tenants) {
        const recorded = await t.db.tenant(tenantId, (tx) =>
          tx
            .select({ labels: monitoringEvents.labels })
            .from(monitoringEvents)
            .where(and(eq(monitoringEvents.tenantId, tenantId), eq(monitoringEvents.name, "test.handled"))),
        );
        const ids = recorded.map((row) => (row.labels as { eventId: string }).eventId);
        expect(ids.sort()).toEqual([...sent].filter(([, owner]) => owner === tenantId).map(([id]) => id).sort());
      }
    }
  });

  it("stops on SIGTERM with exit code 0 and leaves no event leased", { timeout: 60_000 }, async () => {
    const { tenantId, receiver } = await tenantWithReceiver("sigterm");
    receiver.setMode({ hang: true });
    await t.db.tenant(tenantId, (tx) =>
      enqueueEvent(tx, { type: "loan.updated", aggregateType: "loan", aggregateId: randomUUID() }),
    );
    const running = worker({ WEBHOOK_TIMEOUT_MS: "1500" });
    await waitFor(() => receiver.rejected > 0, 30_000, "the first POST");
    running.child.kill("SIGTERM");
    expect(await running.exited, running.output()).toEqual({ code: 0, signal: null });
    const rows = await outboxOf(t.db, tenantId);
    expect(rows.map((row) => row.status)).toEqual(["pending"]);
  });
});
