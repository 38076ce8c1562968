// A tenant's webhook subscribers and its dead events, read and written as
// the application role inside db.tenant. The signing secret is generated
// here and returned once, by createSubscriber; no read returns it again.
import { randomBytes } from "node:crypto";
import {
  and,
  asc,
  eq,
  eventOutbox,
  webhookSubscribers,
  type AppDatabase,
} from "@tapeline/db";

export interface SubscriberSummary {
  id: string;
  url: string;
  eventTypes: string[];
  active: boolean;
  description: string | null;
  createdBy: string;
  createdAt: Date;
}

export interface NewSubscriber {
  url: string;
  /** Event types to receive; ["*"] for all. */
  eventTypes: string[];
  description?: string;
}

export class InvalidSubscriberError extends Error {
  readonly code = "INVALID_SUBSCRIBER";
}

const EVENT_TYPE = /^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)$/;

/** Checks a subscriber's URL and event types; throws InvalidSubscriberError naming the value and the fix. */
export function validateSubscriber(input: NewSubscriber): void {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw new InvalidSubscriberError(`Webhook URL ${JSON.stringify(input.url)} is not a URL: give an absolute http or https URL.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new InvalidSubscriberError(`Webhook URL ${JSON.stringify(input.url)} uses ${url.protocol}: use https (or http).`);
  }
  if (url.username || url.password) {
    throw new InvalidSubscriberError(
      `Webhook URL ${JSON.stringify(input.url)} carries credentials: remove them; deliveries are authenticated by the signature.`,
    );
  }
  if (input.eventTypes.length === 0) {
    throw new InvalidSubscriberError('No event types given: list the types to receive, or ["*"] for all.');
  }
  for (const type of input.eventTypes) {
    if (!EVENT_TYPE.test(type)) {
      throw new InvalidSubscriberError(
        `Event type ${JSON.stringify(type)} is not valid: use dotted lower-case names such as "import.created", or "*".`,
      );
    }
  }
}

/** Creates an active subscriber with a new secret; the only call that returns the secret. */
export async function createSubscriber(
  db: AppDatabase,
  tenantId: string,
  input: NewSubscriber,
  actor: string,
): Promise<{ subscriber: SubscriberSummary; secret: string }> {
  validateSubscriber(input);
  const secret = `whsec_${randomBytes(32).toString("base64url")}`;
  const [row] = await db.tenant(
    tenantId,
    (tx) =>
      tx
        .insert(webhookSubscribers)
        .values({
          tenantId,
          url: input.url,
          secret,
          eventTypes: [...new Set(input.eventTypes)],
          description: input.description ?? null,
          createdBy: actor,
        })
        .returning(summaryColumns),
    { actor },
  );
  if (!row) throw new Error("webhook_subscribers insert returned no row");
  return { subscriber: row, secret };
}

const summaryColumns = {
  id: webhookSubscribers.id,
  url: webhookSubscribers.url,
  eventTypes: webhookSubscribers.eventTypes,
  active: webhookSubscribers.active,
  description: webhookSubscribers.description,
  createdBy: webhookSubscribers.createdBy,
  createdAt: webhookSubscribers.createdAt,
};

export async function listSubscribers(db: AppDatabase, tenantId: string): Promise<SubscriberSummary[]> {
  return db.tenant(tenantId, (tx) =>
    tx
      .select(summaryColumns)
      .from(webhookSubscribers)
      .where(eq(webhookSubscribers.tenantId, tenantId))
      .orderBy(asc(webhookSubscribers.createdAt), asc(webhookSubscribers.id)),
  );
}

/** Deletes a subscriber and its delivery records; false when the tenant has no such subscriber. */
export async function deleteSubscriber(
  db: AppDatabase,
  tenantId: string,
  subscriberId: string,
  actor: string,
): Promise<boolean> {
  const rows = await db.tenant(
    tenantId,
    (tx) =>
      tx
        .delete(webhookSubscribers)
        .where(and(eq(webhookSubscribers.tenantId, tenantId), eq(webhookSubscribers.id, subscriberId)))
        .returning({ id: webhookSubscribers.id }),
    { actor },
  );
  return rows.length > 0;
}

export interface TenantDeadEvent {
  id: string;
  type: string;
  aggregateType: string;
  aggregateId: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
}

/** The tenant's dead events, oldest first. */
export async function listTenantDeadEvents(
  db: AppDatabase,
  tenantId: string,
  limit = 100,
): Promise<TenantDeadEvent[]> {
  return db.tenant(tenantId, (tx) =>
    tx
      .select({
        id: eventOutbox.id,
        type: eventOutbox.type,
        aggregateType: eventOutbox.aggregateType,
        aggregateId: eventOutbox.aggregateId,
        attempts: eventOutbox.attempts,
        lastError: eventOutbox.lastError,
        createdAt: eventOutbox.createdAt,
      })
      .from(eventOutbox)
      .where(and(eq(eventOutbox.tenantId, tenantId), eq(eventOutbox.status, "dead")))
      .orderBy(asc(eventOutbox.seq))
      .limit(limit),
  );
}
