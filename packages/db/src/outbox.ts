// The transactional outbox: tenants write events in the same transaction as
// their change; the relay role claims them across tenants with
// `for update skip locked` and a lease, so a crashed worker's events are
// claimed again once the lease runs out.
import postgres from "postgres";
import { eventOutbox } from "./schema/event-outbox.ts";
import { tenantContextOf, type TenantTransaction } from "./tenant.ts";

export interface NewEvent {
  type: string;
  aggregateType: string;
  aggregateId: string;
  payload?: Record<string, unknown>;
}

/** Writes an event to the outbox inside the caller's tenant transaction; returns its id. */
export async function enqueueEvent(tx: TenantTransaction, event: NewEvent): Promise<string> {
  const { tenantId } = tenantContextOf(tx);
  const [row] = await tx
    .insert(eventOutbox)
    .values({
      tenantId,
      type: event.type,
      aggregateType: event.aggregateType,
      aggregateId: event.aggregateId,
      payload: event.payload ?? {},
    })
    .returning({ id: eventOutbox.id });
  if (!row) throw new Error("event_outbox insert returned no row");
  return row.id;
}

export interface ClaimedEvent {
  tenantId: string;
  id: string;
  seq: number;
  type: string;
  aggregateType: string;
  aggregateId: string;
  payload: Record<string, unknown>;
  attempts: number;
  createdAt: Date;
}

export interface ClaimOptions {
  workerId: string;
  batchSize: number;
  leaseSeconds: number;
  /** Claim only these event types; all when omitted. */
  types?: string[];
}

export interface FailOptions {
  maxAttempts: number;
  /** Delay before the next attempt, in seconds. */
  retryDelaySeconds: number;
}

interface OutboxRow {
  tenant_id: string;
  id: string;
  seq: string;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  payload: Record<string, unknown>;
  attempts: number;
  created_at: Date;
}

function toClaimedEvent(row: OutboxRow): ClaimedEvent {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    seq: Number(row.seq),
    type: row.type,
    aggregateType: row.aggregate_type,
    aggregateId: row.aggregate_id,
    payload: row.payload,
    attempts: row.attempts,
    createdAt: row.created_at,
  };
}

export class RelayDatabase {
  readonly #sql: postgres.Sql;

  constructor(relayUrl: string, options: { max?: number } = {}) {
    this.#sql = postgres(relayUrl, {
      max: options.max ?? 2,
      onnotice: () => {},
      connection: { application_name: "tapeline-relay" },
    });
  }

  /** Claims up to batchSize due events in `seq` order and leases them to workerId. */
  async claimEvents(options: ClaimOptions): Promise<ClaimedEvent[]> {
    const types = options.types ?? null;
    const rows = await this.#sql<OutboxRow[]>`
      with claimable as (
          select tenant_id, id
          from event_outbox
          where status in ('pending', 'processing')
            and next_attempt_at <= now()
            and (locked_until is null or locked_until < now())
            and (${types}::text[] is null or type = any(${types}::text[]))
          order by seq
          limit ${options.batchSize}
          for update skip locked
      )
      update event_outbox e
      set status = 'processing',
          attempts = e.attempts + 1,
          locked_until = now() + make_interval(secs => ${options.leaseSeconds}),
          locked_by = ${options.workerId}
      from claimable c
      where e.tenant_id = c.tenant_id and e.id = c.id
      returning e.tenant_id, e.id, e.seq, e.type, e.aggregate_type, e.aggregate_id,
                e.payload, e.attempts, e.created_at`;
    return rows.map(toClaimedEvent).sort((a, b) => a.seq - b.seq);
  }

  /** Marks a claimed event done; returns false when the lease was lost to another worker. */
  async completeEvent(event: ClaimedEvent, workerId: string): Promise<boolean> {
    const rows = await this.#sql`
      update event_outbox
      set status = 'done', processed_at = now(), locked_until = null, last_error = null
      where tenant_id = ${event.tenantId} and id = ${event.id} and locked_by = ${workerId}
        and status = 'processing'
      returning id`;
    return rows.length === 1;
  }

  /** Records a failed attempt: back to pending after a delay, or dead after maxAttempts. */
  async failEvent(
    event: ClaimedEvent,
    workerId: string,
    error: string,
    options: FailOptions,
  ): Promise<"retry" | "dead"> {
    const [row] = await this.#sql<{ status: "pending" | "dead" }[]>`
      update event_outbox
      set status = case when attempts >= ${options.maxAttempts} then 'dead'::outbox_status
                        else 'pending'::outbox_status end,
          next_attempt_at = now() + make_interval(secs => ${options.retryDelaySeconds}),
          locked_until = null,
          last_error = left(${error}, 2000)
      where tenant_id = ${event.tenantId} and id = ${event.id} and locked_by = ${workerId}
      returning status`;
    return row?.status === "dead" ? "dead" : "retry";
  }

  async close(): Promise<void> {
    await this.#sql.end({ timeout: 5 });
  }
}

export function connectRelay(relayUrl: string, options?: { max?: number }): RelayDatabase {
  return new RelayDatabase(relayUrl, options);
}
