// The tenant side of webhook delivery: reading a tenant's subscribers and
// recording deliveries. Everything here runs inside db.tenant(event's
// tenant) as the application role, so row-level security alone decides
// which subscribers an event can reach: a tenant's transaction cannot see
// another tenant's subscribers.
import {
  and,
  eq,
  inArray,
  sql,
  webhookDeliveries,
  webhookSubscribers,
  type AppDatabase,
} from "@tapeline/db";

export interface Subscriber {
  id: string;
  url: string;
  secret: string;
  eventTypes: string[];
}

export interface TenantDeliveryState {
  subscribers: Subscriber[];
  /** `${subscriberId}/${eventId}` of every delivery already made. */
  delivered: Set<string>;
}

export interface DeliveryOutcome {
  subscriberId: string;
  eventId: string;
  ok: boolean;
  status: number | null;
  error: string | null;
}

export const deliveryKey = (subscriberId: string, eventId: string) => `${subscriberId}/${eventId}`;

/** True when the subscriber takes events of this type ("*" takes every type). */
export function subscribes(subscriber: Subscriber, eventType: string): boolean {
  return subscriber.eventTypes.includes("*") || subscriber.eventTypes.includes(eventType);
}

/** Reads the tenant's active subscribers and which of `eventIds` they already received. */
export async function loadDeliveryState(
  db: AppDatabase,
  tenantId: string,
  eventIds: readonly string[],
  actor: string,
): Promise<TenantDeliveryState> {
  return db.tenant(
    tenantId,
    async (tx) => {
      const subscribers = await tx
        .select({
          id: webhookSubscribers.id,
          url: webhookSubscribers.url,
          secret: webhookSubscribers.secret,
          eventTypes: webhookSubscribers.eventTypes,
        })
        .from(webhookSubscribers)
        .where(and(eq(webhookSubscribers.tenantId, tenantId), eq(webhookSubscribers.active, true)));
      const delivered = new Set<string>();
      if (subscribers.length > 0 && eventIds.length > 0) {
        const rows = await tx
          .select({ subscriberId: webhookDeliveries.subscriberId, eventId: webhookDeliveries.eventId })
          .from(webhookDeliveries)
          .where(
            and(
              eq(webhookDeliveries.tenantId, tenantId),
              inArray(webhookDeliveries.eventId, [...eventIds]),
              eq(webhookDeliveries.status, "delivered"),
            ),
          );
        for (const row of rows) delivered.add(deliveryKey(row.subscriberId, row.eventId));
      }
      return { subscribers, delivered };
    },
    { actor },
  );
}

/**
 * Records delivery outcomes in one statement: a success marks the pair
 * delivered for good; a failure counts an attempt and keeps the last error.
 * A subscriber deleted meanwhile is skipped (its rows went with it).
 */
export async function recordDeliveries(
  db: AppDatabase,
  tenantId: string,
  outcomes: readonly DeliveryOutcome[],
  actor: string,
): Promise<void> {
  if (outcomes.length === 0) return;
  await db.tenant(
    tenantId,
    async (tx) => {
      await tx.execute(sql`
        insert into webhook_deliveries
            (tenant_id, subscriber_id, event_id, status, last_status_code, last_error, delivered_at)
        select ${tenantId}::uuid, o.subscriber_id, o.event_id,
               case when o.ok then 'delivered' else 'failed' end::webhook_delivery_status,
               o.status, o.error, case when o.ok then now() end
        from jsonb_to_recordset(${JSON.stringify(
          outcomes.map((o) => ({
            subscriber_id: o.subscriberId,
            event_id: o.eventId,
            ok: o.ok,
            status: o.status,
            error: o.error,
          })),
        )}::jsonb) as o(subscriber_id uuid, event_id uuid, ok boolean, status int, error text)
        where exists (
            select 1 from webhook_subscribers s
            where s.tenant_id = ${tenantId}::uuid and s.id = o.subscriber_id)
        on conflict (tenant_id, subscriber_id, event_id) do update
        set status = case when webhook_deliveries.status = 'delivered' then webhook_deliveries.status
                          else excluded.status end,
            attempts = webhook_deliveries.attempts + 1,
            last_status_code = excluded.last_status_code,
            last_error = excluded.last_error,
            delivered_at = coalesce(webhook_deliveries.delivered_at, excluded.delivered_at)`);
    },
    { actor },
  );
}
