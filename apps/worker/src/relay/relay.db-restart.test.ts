// The database restarted under a running relay: a dedicated embedded
// PostgreSQL on its own port (not the shared test server), stopped and
// started again while the worker runs. The worker must reconnect and
// deliver every event written before and after the restart.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import {
  APP_ROLE,
  RELAY_ROLE,
  connectApp,
  connectSystem,
  createLogger,
  enqueueEvent,
  eq,
  eventOutbox,
  migrateDatabase,
  startEmbeddedPostgres,
  withCredentials,
  withDatabase,
  type RunningEmbeddedPostgres,
} from "@tapeline/db";
import { createDatabase } from "@tapeline/db/admin";
import { createSubscriber } from "@tapeline/core/webhooks";
import { createTenant } from "@tapeline/testing";
import { startWorker, type RunningWorker } from "../worker.ts";
import { startTestReceiver } from "./test-receiver.ts";

/** Port reserved for this test's own server. */
const PORT = 54353;

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // The server is restarting; ask again.
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

it("reconnects after the database restarts and delivers every event", { timeout: 120_000 }, async () => {
  const logger = createLogger("relay-restart-test");
  logger.level = "silent";
  const dataDir = await mkdtemp(path.join(tmpdir(), "tapeline-restart-"));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  let server: RunningEmbeddedPostgres = await startEmbeddedPostgres({
    dataDir,
    port: PORT,
    settings: ["fsync=off", "synchronous_commit=off"],
  });
  cleanups.push(() => server.stop());

  await createDatabase(server.maintenanceUrl, "tapeline_restart");
  const adminUrl = withDatabase(server.maintenanceUrl, "tapeline_restart");
  const appPassword = randomBytes(18).toString("base64url");
  const relayPassword = randomBytes(18).toString("base64url");
  await migrateDatabase({ adminUrl, appPassword, relayPassword });
  const appUrl = withCredentials(adminUrl, APP_ROLE, appPassword);
  const relayUrl = withCredentials(adminUrl, RELAY_ROLE, relayPassword);

  const system = connectSystem(adminUrl);
  const db = connectApp(appUrl, { max: 2 });
  cleanups.push(() => system.close(), () => db.close());
  const tenantId = await createTenant(system, "restart");
  const receiver = await startTestReceiver();
  cleanups.push(() => receiver.close());
  receiver.secret = (await createSubscriber(db, tenantId, { url: receiver.url, eventTypes: ["*"] }, "test")).secret;

  const worker: RunningWorker = startWorker({
    relayUrl,
    appUrl,
    storageRoot: path.join(dataDir, "storage"),
    logger,
    pollIntervalMs: 100,
    allowPrivateTargets: true,
    retryBaseSeconds: 0.1,
    retryMaxSeconds: 1,
    maxAttempts: 50,
  });
  cleanups.push(() => worker.stop());

  const sent: string[] = [];
  const enqueueMany = async (count: number) => {
    for (let n = 0; n < count; n += 1) {
      sent.push(
        await db.tenant(tenantId, (tx) =>
          enqueueEvent(tx, { type: "loan.updated", aggregateType: "loan", aggregateId: randomUUID() }),
        ),
      );
    }
  };
  const allDone = async () => {
    const rows = await db.tenant(tenantId, (tx) =>
      tx.select({ status: eventOutbox.status }).from(eventOutbox).where(eq(eventOutbox.tenantId, tenantId)),
    );
    return rows.length === sent.length && rows.every((row) => row.status === "done");
  };

  await enqueueMany(20);
  await waitFor(allDone, 30_000, "the first events");

  await server.stop();
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  server = await startEmbeddedPostgres({ dataDir, port: PORT, settings: ["fsync=off", "synchronous_commit=off"] });

  await waitFor(async () => {
    await enqueueMany(1);
    return true;
  }, 30_000, "the restarted server to accept writes");
  await enqueueMany(19);
  await waitFor(allDone, 60_000, "every event after the restart");

  const received = receiver.delivered.map((delivery) => delivery.eventId);
  expect(new Set(received)).toEqual(new Set(sent));
  expect(receiver.delivered.every((delivery) => delivery.tenantId === tenantId)).toBe(true);
});
