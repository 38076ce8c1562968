// `tapeline events dead [--tenant ID]` and `tapeline events replay EVENT_ID`:
// the operator's view of dead outbox events, through the relay role.
import { parseTenantId } from "@tapeline/db";
import type { CliEnv } from "./env.ts";
import { withDatabase } from "./database.ts";
import { UsageError } from "./usage.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Parses the arguments of `events`; throws UsageError naming the bad value. */
export function readEventsArguments(
  args: string[],
): { action: "dead"; tenantId?: string } | { action: "replay"; eventId: string } {
  const [action, ...rest] = args;
  if (action === "dead") {
    if (rest.length === 0) return { action };
    if (rest[0] === "--tenant" && rest.length === 2) {
      try {
        return { action, tenantId: parseTenantId(rest[1]) };
      } catch {
        throw new UsageError(`--tenant ${JSON.stringify(rest[1])} is not a tenant id: give a UUID from tenants list.`);
      }
    }
    throw new UsageError(`events dead takes only --tenant TENANT_ID; got ${rest.join(" ")}.`);
  }
  if (action === "replay") {
    const [eventId, ...extra] = rest;
    if (!eventId || extra.length > 0 || !UUID.test(eventId)) {
      throw new UsageError(
        `events replay needs one event id (a UUID, as events dead lists it); got ${JSON.stringify(rest.join(" "))}.`,
      );
    }
    return { action, eventId: eventId.toLowerCase() };
  }
  throw new UsageError(
    action
      ? `Unknown events command ${JSON.stringify(action)}: use dead or replay.`
      : "events needs a command: dead or replay.",
  );
}

export async function runEvents(args: string[], env: CliEnv): Promise<number> {
  const parsed = readEventsArguments(args);
  if (parsed.action === "dead") {
    const events = await withDatabase(env.logLevel, ({ relay }) =>
      relay.listDeadEvents({ tenantId: parsed.tenantId, limit: 1000 }),
    );
    if (events.length === 0) {
      console.log("No dead events.");
      return 0;
    }
    console.log(`${"id".padEnd(36)}  ${"tenant".padEnd(36)}  attempts  type / last error`);
    for (const event of events) {
      console.log(
        `${event.id}  ${event.tenantId}  ${String(event.attempts).padStart(8)}  ${event.type}: ${event.lastError ?? ""}`,
      );
    }
    return 0;
  }
  const replayed = await withDatabase(env.logLevel, ({ relay }) => relay.replayDeadEvent(parsed.eventId));
  if (!replayed) {
    console.error(`tapeline: no dead event with id ${parsed.eventId}; list them with: pnpm tapeline events dead`);
    return 1;
  }
  console.log(`Event ${parsed.eventId} is queued again; a worker delivers it and the events held back behind it.`);
  return 0;
}
