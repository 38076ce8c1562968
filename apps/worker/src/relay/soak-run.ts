// A bounded load run: T tenants, each with a loopback receiver subscribed
// to every event; N events written across the tenants' loans while W real
// worker processes deliver them. Ends when every event is done (or at the
// time limit) and reports throughput, losses, duplicates and any
// cross-tenant delivery. Used by `pnpm soak` (100,000 events) and, smaller,
// by soak.test.ts. Loopback only.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  connectApp,
  connectRelay,
  connectSystem,
  eq,
  eventOutbox,
  type AppDatabase,
} from "@tapeline/db";
import { createSubscriber } from "@tapeline/core/webhooks";
import { spawnWorker, type WorkerProcess } from "./spawn-worker.ts";
import { startTestReceiver, type TestReceiver } from "./test-receiver.ts";

export interface SoakOptions {
  adminUrl: string;
  appUrl: string;
  relayUrl: string;
  events: number;
  tenants: number;
  workers: number;
  /** Loans per tenant; events of one loan are delivered in order. */
  loansPerTenant: number;
  /** Gives up after this many seconds. */
  timeLimitSeconds: number;
  batchSize?: number;
  /** Claim loops per worker process; the worker's default when absent. */
  concurrency?: number;
  log?: (line: string) => void;
}

export interface SoakResult {
  events: number;
  delivered: number;
  /** Events never received by their tenant's receiver. */
  lost: number;
  /** Receipts beyond the first of the same event id. */
  duplicates: number;
  /** Receipts by a receiver of another tenant, or of an unknown event. */
  crossTenant: number;
  invalidSignatures: number;
  /** Loans whose events arrived out of seq order. */
  outOfOrderLoans: number;
  seconds: number;
  eventsPerSecond: number;
  timedOut: boolean;
}

const CHUNK = 500;

async function writeEvents(
  db: AppDatabase,
  tenantId: string,
  loans: string[],
  count: number,
  sent: Map<string, string>,
): Promise<void> {
  for (let written = 0; written < count; written += CHUNK) {
    const size = Math.min(CHUNK, count - written);
    const rows = await db.tenant(tenantId, (tx) =>
      tx
        .insert(eventOutbox)
        .values(
          Array.from({ length: size }, (_, i) => ({
            tenantId,
            type: "loan.updated",
            aggregateType: "loan",
            aggregateId: loans[(written + i) % loans.length]!,
            payload: { n: written + i },
          })),
        )
        .returning({ id: eventOutbox.id }),
    );
    for (const row of rows) sent.set(row.id, tenantId);
  }
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? (() => {});
  const system = connectSystem(options.adminUrl);
  const db = connectApp(options.appUrl, { max: 4 });
  const relay = connectRelay(options.relayUrl);
  const dataDir = await mkdtemp(path.join(tmpdir(), "tapeline-soak-"));
  const receivers = new Map<string, TestReceiver>();
  const workers: WorkerProcess[] = [];
  try {
    const loans = new Map<string, string[]>();
    for (let n = 0; n < options.tenants; n += 1) {
      const tenantId = await system.createTenant(`soak-${n}-${randomUUID().slice(0, 8)}`, `Soak tenant ${n}`);
      const receiver = await startTestReceiver();
      receiver.secret = (
        await createSubscriber(db, tenantId, { url: receiver.url, eventTypes: ["*"] }, "soak")
      ).secret;
      receivers.set(tenantId, receiver);
      loans.set(tenantId, Array.from({ length: options.loansPerTenant }, () => randomUUID()));
    }

    for (let n = 0; n < options.workers; n += 1) {
      workers.push(
        spawnWorker({
          adminUrl: options.adminUrl,
          appUrl: options.appUrl,
          relayUrl: options.relayUrl,
          dataDir,
          entry: path.join(path.dirname(new URL(import.meta.url).pathname), "..", "index.ts"),
          env: {
            WORKER_BATCH_SIZE: String(options.batchSize ?? 100),
            ...(options.concurrency === undefined ? {} : { WORKER_CONCURRENCY: String(options.concurrency) }),
            WORKER_LEASE_SECONDS: "120",
            WORKER_ID: `soak-${n}`,
          },
        }),
      );
    }
    log(`${options.workers} workers started; writing ${options.events} events for ${options.tenants} tenants`);

    const sent = new Map<string, string>();
    const started = performance.now();
    const tenantIds = [...receivers.keys()];
    const perTenant = Math.floor(options.events / tenantIds.length);
    await Promise.all(
      tenantIds.map((tenantId, index) =>
        writeEvents(
          db,
          tenantId,
          loans.get(tenantId)!,
          perTenant + (index < options.events % tenantIds.length ? 1 : 0),
          sent,
        ),
      ),
    );
    log(`written in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const deadline = started + options.timeLimitSeconds * 1000;
    let timedOut = false;
    let lastLog = 0;
    for (;;) {
      const stats = await relay.queueStats();
      const open = stats.reduce((sum, entry) => sum + entry.depth + entry.dead, 0);
      if (open === 0) break;
      if (performance.now() > deadline) {
        timedOut = true;
        break;
      }
      if (performance.now() - lastLog > 5000) {
        lastLog = performance.now();
        const received = [...receivers.values()].reduce((sum, r) => sum + r.delivered.length, 0);
        log(`${received} delivered, ${open} open`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const seconds = (performance.now() - started) / 1000;

    let duplicates = 0;
    let crossTenant = 0;
    let invalidSignatures = 0;
    const received = new Set<string>();
    const seqOf = new Map<string, number>();
    let outOfOrderLoans = 0;
    for (const [tenantId, receiver] of receivers) {
      const lastSeqByLoan = new Map<string, number>();
      const disordered = new Set<string>();
      const rows = await db.tenant(tenantId, (tx) =>
        tx
          .select({ id: eventOutbox.id, seq: eventOutbox.seq })
          .from(eventOutbox)
          .where(eq(eventOutbox.tenantId, tenantId)),
      );
      for (const row of rows) seqOf.set(row.id, row.seq);
      for (const delivery of receiver.delivered) {
        if (sent.get(delivery.eventId) !== tenantId || delivery.tenantId !== tenantId) crossTenant += 1;
        if (!delivery.signatureValid) invalidSignatures += 1;
        if (received.has(delivery.eventId)) duplicates += 1;
        received.add(delivery.eventId);
        const seq = seqOf.get(delivery.eventId) ?? 0;
        if (seq < (lastSeqByLoan.get(delivery.aggregateId) ?? 0)) disordered.add(delivery.aggregateId);
        lastSeqByLoan.set(delivery.aggregateId, seq);
      }
      outOfOrderLoans += disordered.size;
    }
    const lost = [...sent.keys()].filter((id) => !received.has(id)).length;
    return {
      events: sent.size,
      delivered: received.size,
      lost,
      duplicates,
      crossTenant,
      invalidSignatures,
      outOfOrderLoans,
      seconds,
      eventsPerSecond: sent.size / seconds,
      timedOut,
    };
  } finally {
    for (const worker of workers) worker.child.kill("SIGTERM");
    await Promise.all(
      workers.map((worker) =>
        Promise.race([
          worker.exited,
          new Promise((resolve) => setTimeout(resolve, 15_000)).then(() => worker.child.kill("SIGKILL")),
        ]),
      ),
    );
    await Promise.all([...receivers.values()].map((receiver) => receiver.close()));
    await Promise.allSettled([system.close(), db.close(), relay.close()]);
    await rm(dataDir, { recursive: true, force: true });
  }
}
