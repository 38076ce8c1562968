// The claim rules of RelayDatabase.claimEvents, as the relay role sees them.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { enqueueEvent } from "@tapeline/db";
import { createTenantPair, useTestDatabase } from "@tapeline/testing";

describe("claimEvents", () => {
  const t = useTestDatabase();
  const claim = (workerId = "claim-test") => t.relay.claimEvents({ workerId, batchSize: 50, leaseSeconds: 60 });
  // The snapshot's xmin is cluster-wide: a transaction of another test file
  // running at the same time delays claims here, so expected events are awaited.
  const claimSoon = async (workerId = "claim-test") => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const batch = await claim(workerId);
      if (batch.length > 0 || Date.now() > deadline) return batch;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it("waits for an older open transaction before claiming an event committed after it", async () => {
    const { tenantA } = await createTenantPair(t.system);
    const loan = randomUUID();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let first!: string;
    let written!: () => void;
    const firstWritten = new Promise<void>((resolve) => (written = resolve));
    // The older transaction writes first (lower seq) and commits last.
    const older = t.db.tenant(tenantA, async (tx) => {
      first = await enqueueEvent(tx, { type: "loan.updated", aggregateType: "loan", aggregateId: loan });
      written();
      await held;
    });
    await firstWritten;
    const second = await t.db.tenant(tenantA, (tx) =>
      enqueueEvent(tx, { type: "loan.updated", aggregateType: "loan", aggregateId: loan }),
    );
    const other = await t.db.tenant(tenantA, (tx) =>
      enqueueEvent(tx, { type: "loan.updated", aggregateType: "loan", aggregateId: randomUUID() }),
    );

    // Both committed events are newer than the open transaction: neither is claimable yet.
    expect(await claim()).toEqual([]);
    release();
    await older;

    // Now the loan's first event (and the other loan's) are claimable; the
    // loan's second event waits until the first is done.
    const batch = await claimSoon();
    expect(batch.map((event) => event.id).sort()).toEqual([first, other].sort());
    expect(await claim("another-worker")).toEqual([]);
    const head = batch.find((event) => event.id === first)!;
    expect(await t.relay.completeEvent(head, "claim-test")).toBe(true);
    expect((await claimSoon()).map((event) => event.id)).toEqual([second]);
  });

  it("holds back a dead event's loan until it is replayed", async () => {
    const { tenantB } = await createTenantPair(t.system);
    const loan = randomUUID();
    const [deadId, nextId] = await t.db.tenant(tenantB, async (tx) => [
      await enqueueEvent(tx, { type: "loan.updated", aggregateType: "loan", aggregateId: loan }),
      await enqueueEvent(tx, { type: "loan.updated", aggregateType: "loan", aggregateId: loan }),
    ]);
    const [head] = await claimSoon();
    expect(head?.id).toBe(deadId);
    expect(await t.relay.failEvent(head!, "claim-test", "boom", { maxAttempts: 1, retryDelaySeconds: 0 })).toBe("dead");
    expect(await claim()).toEqual([]);
    expect(await t.relay.replayDeadEvent(deadId!)).toBe(true);
    const [replayed] = await claimSoon();
    expect(replayed).toMatchObject({ id: deadId, attempts: 1 });
    await t.relay.completeEvent(replayed!, "claim-test");
    expect((await claimSoon()).map((event) => event.id)).toEqual([nextId]);
  });

  it("claims only the head of each tenant's aggregate", async () => {
    const { tenantA, tenantB } = await createTenantPair(t.system);
    const loan = randomUUID();
    const write = (tenantId: string) =>
      t.db.tenant(tenantId, (tx) => enqueueEvent(tx, { type: "loan.updated", aggregateType: "loan", aggregateId: loan }));
    const a1 = await write(tenantA);
    const a2 = await write(tenantA);
    const b1 = await write(tenantB);
    const b2 = await write(tenantB);

    // The same aggregate id in two tenants is two aggregates, each with its own head.
    const heads = await claimSoon();
    expect(heads.map((event) => event.id).sort()).toEqual([a1, b1].sort());
    const headA = heads.find((event) => event.id === a1)!;
    const headB = heads.find((event) => event.id === b1)!;

    // A head waiting for its retry still holds back its aggregate.
    expect(await t.relay.failEvent(headA, "claim-test", "boom", { maxAttempts: 5, retryDelaySeconds: 3600 })).toBe(
      "retry",
    );
    expect(await claim()).toEqual([]);

    expect(await t.relay.completeEvent(headB, "claim-test")).toBe(true);
    const next = await claimSoon();
    expect(next.map((event) => event.id)).toEqual([b2]);
    expect(next.map((event) => event.id)).not.toContain(a2);
    await t.relay.completeEvent(next[0]!, "claim-test");
  });

  it("completes only events this worker still holds", async () => {
    const { tenantA } = await createTenantPair(t.system);
    const [failedId, releasedId] = await t.db.tenant(tenantA, async (tx) => [
      await enqueueEvent(tx, { type: "loan.updated", aggregateType: "loan", aggregateId: randomUUID() }),
      await enqueueEvent(tx, { type: "loan.updated", aggregateType: "loan", aggregateId: randomUUID() }),
    ]);
    const batch = await claimSoon();
    const failed = batch.find((event) => event.id === failedId)!;
    const released = batch.find((event) => event.id === releasedId)!;
    expect(await t.relay.failEvent(failed, "claim-test", "boom", { maxAttempts: 5, retryDelaySeconds: 3600 })).toBe(
      "retry",
    );
    expect(await t.relay.releaseEvents([released], "claim-test")).toBe(1);
    const [reclaimed] = await claimSoon("another-worker");
    expect(reclaimed?.id).toBe(releasedId);

    // One event is pending again, the other is leased to another worker.
    const completed = await t.relay.completeEvents([failed, released], "claim-test");
    expect(completed.size).toBe(0);
    expect(await t.relay.completeEvents([reclaimed!], "another-worker")).toEqual(new Set([releasedId]));
  });

  it("releases a claimed batch without counting the attempt", async () => {
    const { tenantA } = await createTenantPair(t.system);
    await t.db.tenant(tenantA, (tx) =>
      enqueueEvent(tx, { type: "loan.updated", aggregateType: "loan", aggregateId: randomUUID() }),
    );
    const batch = await claimSoon();
    expect(batch).toHaveLength(1);
    expect(await t.relay.releaseEvents(batch, "claim-test")).toBe(1);
    const [again] = await claimSoon();
    expect(again).toMatchObject({ id: batch[0]!.id, attempts: 1 });
    await t.relay.completeEvent(again!, "claim-test");
  });
});
