// Processes one claimed batch: groups its events by tenant, and for each
// tenant runs the internal handlers, posts to the tenant's subscribers,
// records the deliveries and completes or fails each event. A batch contains
// at most one event per aggregate (see RelayDatabase.claimEvents), so its
// events are processed concurrently without breaking per-aggregate order.
import type { AppDatabase, ClaimedEvent, Logger, RelayDatabase } from "@tapeline/db";
import type { FileStorage } from "@tapeline/core/storage";
import { PermanentEventError, type EventContext, type EventHandlers } from "../handlers.ts";
import type { FaultTrigger } from "./faults.ts";
import type { RelayMetrics } from "./metrics.ts";
import { signatureHeader } from "./signature.ts";
import {
  deliveryKey,
  loadDeliveryState,
  recordDeliveries,
  subscribes,
  type DeliveryOutcome,
  type Subscriber,
} from "./tenant-deliveries.ts";
import { postWebhook } from "./webhook-client.ts";

export interface DispatchSettings {
  workerId: string;
  actor: string;
  maxAttempts: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  webhookTimeoutMs: number;
  allowPrivateTargets: boolean;
}

export interface Dispatcher {
  dispatch(events: readonly ClaimedEvent[]): Promise<void>;
}

/** Exponential backoff: base × 2^(attempt − 1), capped at maxSeconds. */
export function retryDelaySeconds(attempt: number, baseSeconds: number, maxSeconds: number): number {
  return Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1));
}

/**
 * "Equal jitter": half the delay fixed, half random, so retries of events
 * that failed together (a receiver outage) spread out instead of arriving
 * at the receiver in one burst when it recovers.
 */
export function withJitter(delaySeconds: number, random: () => number = Math.random): number {
  return delaySeconds / 2 + random() * (delaySeconds / 2);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The JSON body a subscriber receives; the same bytes on every attempt. */
export function webhookBody(event: ClaimedEvent): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    tenantId: event.tenantId,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    occurredAt: event.createdAt.toISOString(),
    payload: event.payload,
  });
}

export function createDispatcher(options: {
  db: AppDatabase;
  relay: RelayDatabase;
  storage: FileStorage;
  handlers: EventHandlers;
  logger: Logger;
  metrics: RelayMetrics;
  fault: FaultTrigger;
  settings: DispatchSettings;
}): Dispatcher {
  const { db, relay, storage, handlers, logger, metrics, fault, settings } = options;

  const runHandler = async (event: ClaimedEvent, log: Logger): Promise<void> => {
    const handler = handlers[event.type];
    if (!handler) return;
    const context: EventContext = {
      event,
      db,
      storage,
      logger: log,
      actor: settings.actor,
      finalAttempt: event.attempts >= settings.maxAttempts,
      withTenant: (work) =>
        db.tenant(
          event.tenantId,
          async (tx) => {
            const result = await work(tx);
            fault("during-handler");
            return result;
          },
          { actor: settings.actor },
        ),
    };
    await handler(context);
  };

  const post = async (event: ClaimedEvent, subscriber: Subscriber, body: string): Promise<DeliveryOutcome> => {
    const timestamp = Math.floor(Date.now() / 1000);
    const result = await postWebhook({
      url: subscriber.url,
      body,
      headers: {
        "user-agent": "tapeline-webhooks/1",
        "tapeline-event-id": event.id,
        "tapeline-event-type": event.type,
        "tapeline-delivery-attempt": String(event.attempts),
        "tapeline-signature": signatureHeader(subscriber.secret, timestamp, body),
      },
      timeoutMs: settings.webhookTimeoutMs,
      allowPrivateTargets: settings.allowPrivateTargets,
    });
    if (result.ok) {
      metrics.deliveries.inc({ tenant_id: event.tenantId });
      fault("after-delivery");
      return { subscriberId: subscriber.id, eventId: event.id, ok: true, status: result.status, error: null };
    }
    metrics.failures.inc({ tenant_id: event.tenantId });
    return {
      subscriberId: subscriber.id,
      eventId: event.id,
      ok: false,
      status: result.status,
      error: result.error,
    };
  };

  const failEvent = async (event: ClaimedEvent, error: unknown, log: Logger) => {
    const permanent = error instanceof PermanentEventError;
    const delay = withJitter(
      retryDelaySeconds(event.attempts, settings.retryBaseSeconds, settings.retryMaxSeconds),
    );
    const attempt = `${event.attempts} of ${settings.maxAttempts}`;
    try {
      const outcome = await relay.failEvent(event, settings.workerId, messageOf(error), {
        maxAttempts: permanent ? event.attempts : settings.maxAttempts,
        retryDelaySeconds: delay,
      });
      if (outcome === "dead") {
        metrics.deadEvents.inc({ tenant_id: event.tenantId });
        log.error({ err: error }, `${event.type} failed on attempt ${attempt}; marked dead`);
      } else {
        log.warn({ err: error }, `${event.type} failed on attempt ${attempt}; retrying in ${delay.toFixed(1)} s`);
      }
    } catch (recordError) {
      log.error(
        { err: error, recordError },
        `${event.type} failed on attempt ${attempt}, and recording the failure failed; the lease will expire and the event will be claimed again`,
      );
    }
  };

  const dispatchTenant = async (tenantId: string, events: ClaimedEvent[], lastGroup: () => boolean) => {
    const log = logger.child({ tenantId });
    const state = await loadDeliveryState(
      db,
      tenantId,
      events.map((event) => event.id),
      settings.actor,
    );
    const outcomes: DeliveryOutcome[] = [];
    const failures = new Map<string, unknown>();
    await Promise.all(
      events.map(async (event) => {
        const eventLog = log.child({ eventId: event.id, eventType: event.type, attempt: event.attempts });
        try {
          await runHandler(event, eventLog);
        } catch (error) {
          failures.set(event.id, error);
          return;
        }
        const targets = state.subscribers.filter(
          (subscriber) =>
            subscribes(subscriber, event.type) && !state.delivered.has(deliveryKey(subscriber.id, event.id)),
        );
        if (targets.length === 0) return;
        const body = webhookBody(event);
        const results = await Promise.all(targets.map((subscriber) => post(event, subscriber, body)));
        outcomes.push(...results);
        const failed = results.filter((result) => !result.ok);
        if (failed.length > 0) {
          failures.set(
            event.id,
            new Error(failed.map((result) => `subscriber ${result.subscriberId}: ${result.error}`).join("; ")),
          );
        }
      }),
    );
    await recordDeliveries(db, tenantId, outcomes, settings.actor);

    const succeeded = events.filter((event) => !failures.has(event.id));
    const completed = await relay.completeEvents(succeeded, settings.workerId);
    for (const event of succeeded) {
      if (completed.has(event.id)) metrics.processed.inc({ tenant_id: tenantId });
      else log.warn({ eventId: event.id }, `${event.type} handled, but its lease had passed to another worker`);
    }
    if (!lastGroup()) fault("mid-batch");
    for (const event of events) {
      const error = failures.get(event.id);
      if (error !== undefined) await failEvent(event, error, log.child({ eventId: event.id, eventType: event.type }));
    }
  };

  return {
    async dispatch(events) {
      const byTenant = new Map<string, ClaimedEvent[]>();
      for (const event of events) {
        const list = byTenant.get(event.tenantId) ?? [];
        list.push(event);
        byTenant.set(event.tenantId, list);
      }
      let remaining = byTenant.size;
      await Promise.all(
        [...byTenant].map(async ([tenantId, group]) => {
          try {
            await dispatchTenant(tenantId, group, () => remaining === 1);
          } catch (error) {
            // The tenant's database work failed (connection lost, for example):
            // every event of the group goes back for another attempt.
            logger.error({ err: error, tenantId }, "processing a tenant's events failed");
            for (const event of group) await failEvent(event, error, logger.child({ eventId: event.id }));
          } finally {
            remaining -= 1;
          }
        }),
      );
    },
  };
}
