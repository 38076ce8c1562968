import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  and,
  createLogger,
  enqueueEvent,
  eq,
  eventOutbox,
  imports,
} from "@tapeline/db";
import { createImport } from "@tapeline/core/imports";
import { FileStorage } from "@tapeline/core/storage";
import { createTenant, useTestDatabase } from "@tapeline/testing";
import {
  PermanentEventError,
  retryDelaySeconds,
  startWorker,
  type RunningWorker,
} from "./worker.ts";

const tapePath = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../packages/core/test-data/hmda-lar/Bank1_clean_5_rows.txt",
);

async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("worker", () => {
  const t = useTestDatabase();
  const logger = createLogger("worker-test");
  logger.level = "silent";
  let storageRoot: string;
  let worker: RunningWorker | undefined;

  beforeAll(async () => {
    storageRoot = await mkdtemp(path.join(tmpdir(), "tapeline-worker-"));
  });

  afterAll(async () => {
    await worker?.stop();
    await rm(storageRoot, { recursive: true, force: true });
  });

  async function outboxRows(tenant: string, importId: string) {
    return t.db.tenant(tenant, (tx) =>
      tx
        .select({
          type: eventOutbox.type,
          status: eventOutbox.status,
          attempts: eventOutbox.attempts,
        })
        .from(eventOutbox)
        .where(
          and(
            eq(eventOutbox.tenantId, tenant),
            eq(eventOutbox.aggregateId, importId),
          ),
        ),
    );
  }

  it("claims import.created, imports and marks it done", async () => {
    const tenant = await createTenant(t.system, "worker");
    const storage = new FileStorage(storageRoot);
    const { importId } = await createImport(
      t.db,
      storage,
      tenant,
      {
        fileName: "Bank1_clean_5_rows.txt",
        format: "hmda",
        content: await readFile(tapePath),
      },
      "test",
    );

    worker = startWorker({
      relayUrl: t.relayUrl,
      appUrl: t.appUrl,
      storageRoot,
      logger,
      pollIntervalMs: 50,
    });
    const created = await waitFor(
      async () =>
        (await outboxRows(tenant, importId)).find(
          (row) => row.type === "import.created",
        ),
      (row) => row?.status === "done",
    );
    // import.completed follows import.created on the same aggregate, so the
    // worker claims it once import.created is done, runs its handler (QC
    // evaluation of the imported loans) and completes it.
    const completed = await waitFor(
      async () =>
        (await outboxRows(tenant, importId)).find(
          (event) => event.type === "import.completed",
        ),
      (event) => event?.status === "done",
    );
    await worker.stop();

    expect(created).toEqual({
      type: "import.created",
      status: "done",
      attempts: 1,
    });
    const [row] = await t.db.tenant(tenant, (tx) =>
      tx
        .select()
        .from(imports)
        .where(and(eq(imports.tenantId, tenant), eq(imports.id, importId))),
    );
    expect(row?.status).toBe("completed");
    expect(row?.loanCount).toBe(5);
    expect(completed?.status).toBe("done");
  });

  it("retries a failing event and kills a permanent failure", async () => {
    const tenant = await createTenant(t.system, "failing");
    const ids = await t.db.tenant(tenant, async (tx) => ({
      // Two aggregates: a failing event holds back later events of its own aggregate only.
      transient: await enqueueEvent(tx, {
        type: "test.transient",
        aggregateType: "test",
        aggregateId: randomUUID(),
      }),
      permanent: await enqueueEvent(tx, {
        type: "test.permanent",
        aggregateType: "test",
        aggregateId: randomUUID(),
      }),
    }));
    const failing = startWorker({
      relayUrl: t.relayUrl,
      appUrl: t.appUrl,
      storageRoot,
      logger,
      pollIntervalMs: 50,
      retryBaseSeconds: 3600,
      handlers: {
        "test.transient": async () => {
          throw new Error("transient failure");
        },
        "test.permanent": async () => {
          throw new PermanentEventError("permanent failure");
        },
      },
    });
    const readEvents = () =>
      t.db.tenant(tenant, (tx) =>
        tx
          .select({
            id: eventOutbox.id,
            status: eventOutbox.status,
            attempts: eventOutbox.attempts,
            lastError: eventOutbox.lastError,
          })
          .from(eventOutbox)
          .where(eq(eventOutbox.tenantId, tenant)),
      );
    const events = await waitFor(readEvents, (rows) =>
      rows.every((row) => row.attempts === 1 && row.status !== "processing"),
    );
    await failing.stop();
    const byId = new Map(events.map((event) => [event.id, event]));

    expect(byId.get(ids.transient)).toMatchObject({
      status: "pending",
      attempts: 1,
      lastError: "transient failure",
    });
    expect(byId.get(ids.permanent)).toMatchObject({
      status: "dead",
      attempts: 1,
      lastError: "permanent failure",
    });
  });

  it("finishes the event in hand on stop", async () => {
    const tenant = await createTenant(t.system, "stopping");
    const eventId = await t.db.tenant(tenant, (tx) =>
      enqueueEvent(tx, {
        type: "test.slow",
        aggregateType: "test",
        aggregateId: tenant,
      }),
    );
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolve) => (started = resolve));
    const slow = startWorker({
      relayUrl: t.relayUrl,
      appUrl: t.appUrl,
      storageRoot,
      logger,
      pollIntervalMs: 50,
      handlers: {
        "test.slow": async () => {
          started();
          await new Promise((resolve) => setTimeout(resolve, 500));
        },
      },
    });
    await handlerStarted;
    await slow.stop();
    const [event] = await t.db.tenant(tenant, (tx) =>
      tx
        .select({ status: eventOutbox.status })
        .from(eventOutbox)
        .where(
          and(eq(eventOutbox.tenantId, tenant), eq(eventOutbox.id, eventId)),
        ),
    );

    expect(event?.status).toBe("done");
  });

  it("doubles the retry delay up to the maximum", () => {
    expect(
      [1, 2, 3, 4, 10].map((attempt) => retryDelaySeconds(attempt, 5, 60)),
    ).toEqual([5, 10, 20, 40, 60]);
  });
});
