// The outbox worker: claims due events in batches through the relay role,
// and for each runs the internal handler of its type (if any) and posts it
// to the tenant's webhook subscribers (relay/dispatch.ts), then completes
// it or fails it with capped exponential backoff and jitter. It wakes on
// NOTIFY tapeline_outbox and polls as a fallback. On stop it claims nothing
// more, finishes the batches in hand, and releases a batch claimed after the
// stop was requested. docs/outbox.md describes the guarantees.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { connectApp, connectRelay, type ClaimedEvent, type Logger } from "@tapeline/db";
import { FileStorage } from "@tapeline/core/storage";
import { defaultHandlers, type EventHandlers } from "./handlers.ts";
import { createDispatcher } from "./relay/dispatch.ts";
import { faultTrigger, type FaultPoint } from "./relay/faults.ts";
import { RelayMetrics, serveMetrics, type MetricsServer } from "./relay/metrics.ts";

export { defaultHandlers, handleImportCreated, PermanentEventError } from "./handlers.ts";
export type { EventContext, EventHandler, EventHandlers } from "./handlers.ts";
export { retryDelaySeconds, withJitter, webhookBody } from "./relay/dispatch.ts";
export { signatureHeader, verifySignature, SIGNATURE_HEADER } from "./relay/signature.ts";
export { isPrivateAddress } from "./relay/address-guard.ts";
export { FAULT_POINTS, type FaultPoint } from "./relay/faults.ts";
export { RelayMetrics } from "./relay/metrics.ts";

export interface WorkerOptions {
  relayUrl: string;
  appUrl: string;
  /** Root folder of tenant file storage (`<dataDir>/storage`). */
  storageRoot: string;
  logger: Logger;
  /** Handlers added to, or replacing, the default ones by event type. */
  handlers?: EventHandlers;
  /** Shown in event_outbox.locked_by; defaults to host, pid and a random suffix. */
  workerId?: string;
  /** Idle wait between claims when no notification arrives, in milliseconds; defaults to 500. */
  pollIntervalMs?: number;
  /** Events claimed at once; defaults to 50. */
  batchSize?: number;
  /**
   * Claim loops in this process; defaults to 2. While one loop waits on
   * its batch's POSTs and transactions, another claims and dispatches the
   * next batch. The claim never hands out an event while an earlier event
   * of its aggregate is still open, so loops keep each aggregate in order
   * as separate workers do.
   */
  concurrency?: number;
  /** Attempts per event before it is marked dead; defaults to 5. */
  maxAttempts?: number;
  /**
   * Lease on a claimed event, in seconds; defaults to 900.
   * NOTE: the lease is not renewed while a handler runs. An import that
   * outlasts it is claimed again by another worker, which waits on the
   * import's row lock and then finds it completed.
   */
  leaseSeconds?: number;
  /** First retry delay in seconds, doubled per attempt before jitter; defaults to 5. */
  retryBaseSeconds?: number;
  /** Maximum retry delay before jitter, in seconds; defaults to 600. */
  retryMaxSeconds?: number;
  /** Time limit of one webhook POST, in milliseconds; defaults to 10000. */
  webhookTimeoutMs?: number;
  /** Allows loopback, private and link-local webhook targets; defaults to false. */
  allowPrivateTargets?: boolean;
  /** Serves Prometheus metrics on 127.0.0.1 at this port (0: any free port); none when absent. */
  metricsPort?: number;
  /** Interval of metric samples written to monitoring_events, in ms; 0 or absent: none. */
  metricsIntervalMs?: number;
  /** Crash tests only: the point at which the process kills itself with SIGKILL. */
  faultKillAt?: FaultPoint;
  /** Actor recorded on audits rows; defaults to "worker". */
  actor?: string;
}

export interface RunningWorker {
  workerId: string;
  metrics: RelayMetrics;
  /** Settles with the metrics server's port once it listens; undefined without one. */
  metricsPort: Promise<number | undefined>;
  /** Stops claiming, finishes the batches in hand, closes the connections. */
  stop(): Promise<void>;
  /** Settles when the worker has stopped. */
  stopped: Promise<void>;
}

/** Idle-wait state of one claim loop. */
interface Sleeper {
  /** Whether a NOTIFY arrived since the loop's last claim. */
  notified: boolean;
  /** Ends the loop's current idle wait; absent while the loop is busy. */
  wake?: () => void;
}

/** Maximum idle wait after repeated claim failures (database unreachable), in milliseconds. */
const MAX_CLAIM_BACKOFF_MS = 30_000;

/** Starts the claim loops and returns at once. */
export function startWorker(options: WorkerOptions): RunningWorker {
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const settings = {
    workerId,
    pollIntervalMs: options.pollIntervalMs ?? 500,
    batchSize: options.batchSize ?? 50,
    concurrency: options.concurrency ?? 2,
    maxAttempts: options.maxAttempts ?? 5,
    leaseSeconds: options.leaseSeconds ?? 900,
    retryBaseSeconds: options.retryBaseSeconds ?? 5,
    retryMaxSeconds: options.retryMaxSeconds ?? 600,
    webhookTimeoutMs: options.webhookTimeoutMs ?? 10_000,
    allowPrivateTargets: options.allowPrivateTargets ?? false,
    actor: options.actor ?? "worker",
  };
  const handlers: EventHandlers = { ...defaultHandlers(), ...options.handlers };
  const logger = options.logger.child({ workerId });
  const db = connectApp(options.appUrl, { max: 4, applicationName: "tapeline-worker" });
  const relay = connectRelay(options.relayUrl, { max: 3 });
  const metrics = new RelayMetrics();
  const fault = faultTrigger(options.faultKillAt);
  const dispatcher = createDispatcher({
    db,
    relay,
    storage: new FileStorage(options.storageRoot),
    handlers,
    logger,
    metrics,
    fault,
    settings,
  });

  let stopping = false;
  const sleepers = new Set<Sleeper>();
  const sleep = (sleeper: Sleeper, ms: number) =>
    new Promise<void>((resolve) => {
      if (sleeper.notified || stopping) {
        sleeper.notified = false;
        resolve();
        return;
      }
      const timer = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timer);
        sleeper.wake = undefined;
        resolve();
      }
      sleeper.wake = finish;
    });
  const wakeAll = () => {
    for (const sleeper of sleepers) sleeper.wake?.();
  };
  const onNotify = () => {
    for (const sleeper of sleepers) sleeper.notified = true;
    wakeAll();
  };

  let metricsServer: MetricsServer | undefined;
  const metricsPort =
    options.metricsPort === undefined
      ? Promise.resolve(undefined)
      : serveMetrics(metrics, options.metricsPort, logger).then((server) => {
          metricsServer = server;
          return server.port;
        });
  const sampleTimer =
    options.metricsIntervalMs && options.metricsIntervalMs > 0
      ? setInterval(() => {
          metrics.sample(relay, db, workerId).catch((error: unknown) => {
            logger.warn({ err: error }, "sampling relay metrics failed");
          });
        }, options.metricsIntervalMs)
      : undefined;
  sampleTimer?.unref();

  const claimLoop = async (loopNumber: number) => {
    const sleeper: Sleeper = { notified: false };
    sleepers.add(sleeper);
    const loopLogger = settings.concurrency > 1 ? logger.child({ loop: loopNumber }) : logger;
    let claimFailures = 0;
    while (!stopping) {
      let events: ClaimedEvent[];
      try {
        sleeper.notified = false;
        events = await relay.claimEvents({
          workerId,
          batchSize: settings.batchSize,
          leaseSeconds: settings.leaseSeconds,
        });
        claimFailures = 0;
      } catch (error) {
        claimFailures += 1;
        const wait = Math.min(MAX_CLAIM_BACKOFF_MS, settings.pollIntervalMs * 2 ** claimFailures);
        loopLogger.error({ err: error, claimFailures }, `claiming events failed; trying again in ${wait} ms`);
        await sleep(sleeper, wait);
        continue;
      }
      if (events.length === 0) {
        await sleep(sleeper, settings.pollIntervalMs);
        continue;
      }
      fault("after-claim");
      if (stopping) {
        const released = await relay.releaseEvents(events, workerId).catch(() => 0);
        loopLogger.info({ released }, "stopping: released the batch claimed after the stop request");
        break;
      }
      await dispatcher.dispatch(events);
    }
    sleepers.delete(sleeper);
  };

  const loop = async () => {
    logger.info({ handlers: Object.keys(handlers), concurrency: settings.concurrency }, "worker started");
    const listening = relay.listen(onNotify).catch((error: unknown) => {
      logger.warn({ err: error }, "LISTEN failed; polling only");
      return undefined;
    });
    await Promise.all(Array.from({ length: settings.concurrency }, (_, index) => claimLoop(index + 1)));
    await (await listening)?.unlisten().catch(() => {});
  };

  const stopped = loop().finally(async () => {
    if (sampleTimer) clearInterval(sampleTimer);
    await metricsPort.catch(() => undefined);
    await Promise.allSettled([db.close(), relay.close(), metricsServer?.close()]);
    logger.info("worker stopped");
  });

  return {
    workerId,
    metrics,
    metricsPort,
    stopped,
    async stop() {
      if (!stopping) {
        stopping = true;
        logger.info("stopping: claiming no more events, finishing the batches in hand");
        wakeAll();
      }
      await stopped;
    },
  };
}
