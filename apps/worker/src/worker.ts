// The outbox worker: claims due events of the types it has handlers for,
// runs each handler for the event's tenant, and completes the event or
// fails it with exponential backoff. One event at a time; on stop it claims
// nothing more and finishes the event in hand.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import {
  connectApp,
  connectRelay,
  type ClaimedEvent,
  type Logger,
} from "@tapeline/db";
import { FileStorage } from "@tapeline/core/storage";
import {
  defaultHandlers,
  PermanentEventError,
  type EventContext,
  type EventHandlers,
} from "./handlers.ts";

export {
  defaultHandlers,
  handleImportCreated,
  PermanentEventError,
} from "./handlers.ts";
export type { EventContext, EventHandler, EventHandlers } from "./handlers.ts";

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
  /** Idle wait between claims, in milliseconds; defaults to 500. */
  pollIntervalMs?: number;
  /** Attempts per event before it is marked dead; defaults to 5. */
  maxAttempts?: number;
  /**
   * Lease on a claimed event, in seconds; defaults to 900.
   * NOTE: the lease is not renewed while a handler runs. An import that
   * outlasts it is claimed again by another worker, which waits on the
   * import's row lock and then finds it completed.
   */
  leaseSeconds?: number;
  /** First retry delay in seconds, doubled per attempt; defaults to 5. */
  retryBaseSeconds?: number;
  /** Maximum retry delay, in seconds; defaults to 600. */
  retryMaxSeconds?: number;
  /** Actor recorded on audits rows; defaults to "worker". */
  actor?: string;
}

export interface RunningWorker {
  workerId: string;
  /** Stops claiming, waits for the current event, closes the connections. */
  stop(): Promise<void>;
  /** Settles when the worker has stopped. */
  stopped: Promise<void>;
}

/** Maximum idle wait after repeated claim failures (database unreachable), in milliseconds. */
const MAX_CLAIM_BACKOFF_MS = 30_000;

export function retryDelaySeconds(
  attempt: number,
  baseSeconds: number,
  maxSeconds: number,
): number {
  return Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Starts the claim loop and returns at once. */
export function startWorker(options: WorkerOptions): RunningWorker {
  const workerId =
    options.workerId ??
    `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const settings = {
    pollIntervalMs: options.pollIntervalMs ?? 500,
    maxAttempts: options.maxAttempts ?? 5,
    leaseSeconds: options.leaseSeconds ?? 900,
    retryBaseSeconds: options.retryBaseSeconds ?? 5,
    retryMaxSeconds: options.retryMaxSeconds ?? 600,
    actor: options.actor ?? "worker",
  };
  const handlers: EventHandlers = { ...defaultHandlers(), ...options.handlers };
  const types = Object.keys(handlers);
  const logger = options.logger.child({ workerId });
  const db = connectApp(options.appUrl, {
    max: 4,
    applicationName: "tapeline-worker",
  });
  const relay = connectRelay(options.relayUrl);
  const storage = new FileStorage(options.storageRoot);

  let stopping = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = finish;
    });

  const runEvent = async (event: ClaimedEvent) => {
    const attempt = `${event.attempts} of ${settings.maxAttempts}`;
    const log = logger.child({
      eventId: event.id,
      eventType: event.type,
      tenantId: event.tenantId,
      attempt,
    });
    const handler = handlers[event.type];
    const context: EventContext = {
      event,
      db,
      storage,
      logger: log,
      actor: settings.actor,
      finalAttempt: event.attempts >= settings.maxAttempts,
      withTenant: (work) =>
        db.tenant(event.tenantId, work, { actor: settings.actor }),
    };

    log.debug(`handling ${event.type}, attempt ${attempt}`);
    try {
      if (!handler)
        throw new PermanentEventError(
          `No handler for event type ${event.type}.`,
        );
      await handler(context);
      const completed = await relay.completeEvent(event, workerId);
      if (completed) log.debug(`${event.type} done`);
      else
        log.warn(
          `${event.type} handled, but its lease had passed to another worker`,
        );
    } catch (error) {
      await failEvent(event, error, log, attempt);
    }
  };

  const failEvent = async (
    event: ClaimedEvent,
    error: unknown,
    log: Logger,
    attempt: string,
  ) => {
    const permanent = error instanceof PermanentEventError;
    const delay = retryDelaySeconds(
      event.attempts,
      settings.retryBaseSeconds,
      settings.retryMaxSeconds,
    );
    try {
      const outcome = await relay.failEvent(event, workerId, messageOf(error), {
        maxAttempts: permanent ? event.attempts : settings.maxAttempts,
        retryDelaySeconds: delay,
      });
      if (outcome === "dead") {
        log.error(
          { err: error },
          `${event.type} failed on attempt ${attempt}; marked dead`,
        );
      } else {
        log.warn(
          { err: error },
          `${event.type} failed on attempt ${attempt}; retrying in ${delay} s`,
        );
      }
    } catch (recordError) {
      log.error(
        { err: error, recordError },
        `${event.type} failed on attempt ${attempt}, and recording the failure failed; the lease will expire and the event will be claimed again`,
      );
    }
  };

  const loop = async () => {
    let claimFailures = 0;
    logger.info({ types }, "worker started");
    while (!stopping) {
      let events: ClaimedEvent[];
      try {
        events = await relay.claimEvents({
          workerId,
          batchSize: 1,
          leaseSeconds: settings.leaseSeconds,
          types,
        });
        claimFailures = 0;
      } catch (error) {
        claimFailures += 1;
        const wait = Math.min(
          MAX_CLAIM_BACKOFF_MS,
          settings.pollIntervalMs * 2 ** claimFailures,
        );
        logger.error(
          { err: error, claimFailures },
          `claiming events failed; trying again in ${wait} ms`,
        );
        await sleep(wait);
        continue;
      }
      if (events.length === 0) {
        await sleep(settings.pollIntervalMs);
        continue;
      }
      for (const event of events) await runEvent(event);
    }
  };

  const stopped = loop().finally(async () => {
    await Promise.allSettled([db.close(), relay.close()]);
    logger.info("worker stopped");
  });

  return {
    workerId,
    stopped,
    async stop() {
      if (!stopping) {
        stopping = true;
        logger.info(
          "stopping: claiming no more events, finishing the current one",
        );
        wake?.();
      }
      await stopped;
    },
  };
}
