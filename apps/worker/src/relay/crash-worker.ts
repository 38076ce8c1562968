// A worker process for crash tests: the default handlers plus
// `test.recorded`, an idempotent handler that records the event once in
// monitoring_events, so a test can count how often its effect landed.
import { and, eq, monitoringEvents, sql } from "@tapeline/db";
import type { EventContext } from "../handlers.ts";
import { runWorkerProcess } from "../process-main.ts";

const RECORDED_METRIC = "test.handled";

async function recordOnce(context: EventContext): Promise<void> {
  const { event } = context;
  await context.withTenant(async (tx) => {
    // Serialises concurrent redeliveries of the same event within the tenant.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${event.id}, 0))`);
    const existing = await tx
      .select({ id: monitoringEvents.id })
      .from(monitoringEvents)
      .where(
        and(
          eq(monitoringEvents.tenantId, event.tenantId),
          eq(monitoringEvents.name, RECORDED_METRIC),
          sql`${monitoringEvents.labels} ->> 'eventId' = ${event.id}`,
        ),
      );
    if (existing.length > 0) return;
    await tx.insert(monitoringEvents).values({
      tenantId: event.tenantId,
      kind: "test",
      name: RECORDED_METRIC,
      value: 1,
      labels: { eventId: event.id },
    });
  });
}

runWorkerProcess({ handlers: { "test.recorded": recordOnce } });
