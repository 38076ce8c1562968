// The transactional outbox. Tenants write events in the same transaction as
// their change. The relay role claims them across tenants with
// `for update skip locked` and a lease, so a crashed worker's events are
// claimed again once the lease runs out. docs/outbox.md describes the
// delivery guarantees.
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

export interface DeadEvent {
  tenantId: string;
  id: string;
  seq: number;
  type: string;
  aggregateType: string;
  aggregateId: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
}

/** Undelivered events of one tenant, as the relay role sees them. */
export interface TenantQueueStats {
  tenantId: string;
  /** Events pending or being processed, due or not. */
  depth: number;
  /** Age in seconds of the oldest pending or processing event; 0 when none. */
  oldestAgeSeconds: number;
  dead: number;
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

  /**
   * Claims up to batchSize due events in `seq` order and leases them to
   * workerId. An event is claimable only when
   * - its writing transaction is older than every transaction still running
   *   (`xid < pg_snapshot_xmin`), so no transaction can still commit an
   *   event with a lower `seq`, and
   * - it is the head of its aggregate: it has the lowest seq among the
   *   events of its tenant and aggregate that are not done. A pending,
   *   leased or dead event holds back the later events of its aggregate and
   *   nothing else.
   * A batch therefore contains at most one event per aggregate.
   */
  async claimEvents(options: ClaimOptions): Promise<ClaimedEvent[]> {
    const types = options.types ?? null;
    // The claim must walk event_outbox_due_idx in seq order and stop at the
    // batch size. A bitmap scan plus sort reads every open event first, and
    // after a burst of writes (statistics not yet refreshed) that costs
    // seconds per claim instead of milliseconds. SET LOCAL keeps the hint to
    // this claim.
    // The head-of-aggregate test is a scalar subquery, which PostgreSQL 18
    // does not turn into a join, so it runs as one probe of
    // event_outbox_open_aggregate_idx per candidate. Written as NOT EXISTS,
    // it became an anti-join. Until the first VACUUM or ANALYZE after the
    // table was created or truncated, pg_class records that partial index as
    // empty, so the planner read every open event and compared each
    // candidate with all of them. That took 225 ms per claim of 100 at
    // 10,000 open events and grows with the square of the queue.
    const rows = await this.#sql.begin(async (tx) => {
      await tx`set local enable_bitmapscan = off`;
      await tx`set local enable_sort = off`;
      return tx<OutboxRow[]>`
      with claimable as (
          select e.tenant_id, e.id
          from event_outbox e
          where e.status in ('pending', 'processing')
            and e.next_attempt_at <= now()
            and (e.locked_until is null or e.locked_until < now())
            and e.xid < pg_snapshot_xmin(pg_current_snapshot())
            and (${types}::text[] is null or e.type = any(${types}::text[]))
            and e.seq = (
                select min(p.seq)
                from event_outbox p
                where p.tenant_id = e.tenant_id
                  and p.aggregate_id = e.aggregate_id
                  and p.status <> 'done')
          order by e.seq
          limit ${options.batchSize}
          for update of e skip locked
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
    });
    return rows.map(toClaimedEvent).sort((a, b) => a.seq - b.seq);
  }

  /** Marks a claimed event done; returns false when the lease was lost to another worker. */
  async completeEvent(event: ClaimedEvent, workerId: string): Promise<boolean> {
    const done = await this.completeEvents([event], workerId);
    return done.has(event.id);
  }

  /** Marks claimed events done in one statement; returns the ids this worker still held. */
  async completeEvents(events: readonly ClaimedEvent[], workerId: string): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    // `status::text` keeps the partial indexes out of this plan. Compared
    // as an enum, the status implies their predicates. While pg_class
    // records those indexes as empty (see claimEvents), the planner then
    // read every open event through event_outbox_open_aggregate_idx for
    // each completion. Without them it picks primary-key probes, or a scan
    // of the table while that costs less, on correct size estimates.
    const rows = await this.#sql<{ id: string }[]>`
      update event_outbox e
      set status = 'done', processed_at = now(), locked_until = null, last_error = null
      from unnest(${events.map((event) => event.tenantId)}::uuid[],
                  ${events.map((event) => event.id)}::uuid[]) as k(tenant_id, id)
      where e.tenant_id = k.tenant_id and e.id = k.id and e.locked_by = ${workerId}
        and e.status::text = 'processing'
      returning e.id`;
    return new Set(rows.map((row) => row.id));
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
        and status = 'processing'
      returning status`;
    return row?.status === "dead" ? "dead" : "retry";
  }

  /**
   * Hands claimed events back unprocessed (a stopping worker): pending and
   * due at once, and the claim's attempt is not counted.
   */
  async releaseEvents(events: readonly ClaimedEvent[], workerId: string): Promise<number> {
    if (events.length === 0) return 0;
    const rows = await this.#sql`
      update event_outbox e
      set status = 'pending', attempts = greatest(e.attempts - 1, 0),
          locked_until = null, next_attempt_at = now()
      from unnest(${events.map((event) => event.tenantId)}::uuid[],
                  ${events.map((event) => event.id)}::uuid[]) as k(tenant_id, id)
      where e.tenant_id = k.tenant_id and e.id = k.id and e.locked_by = ${workerId}
        and e.status = 'processing'
      returning e.id`;
    return rows.length;
  }

  /** Dead events, oldest first; of one tenant when tenantId is given. */
  async listDeadEvents(options: { tenantId?: string; limit?: number } = {}): Promise<DeadEvent[]> {
    const tenantId = options.tenantId ?? null;
    const rows = await this.#sql<(OutboxRow & { last_error: string | null })[]>`
      select tenant_id, id, seq, type, aggregate_type, aggregate_id, payload, attempts,
             created_at, last_error
      from event_outbox
      where status = 'dead' and (${tenantId}::uuid is null or tenant_id = ${tenantId}::uuid)
      order by seq
      limit ${options.limit ?? 100}`;
    return rows.map((row) => ({
      tenantId: row.tenant_id,
      id: row.id,
      seq: Number(row.seq),
      type: row.type,
      aggregateType: row.aggregate_type,
      aggregateId: row.aggregate_id,
      attempts: row.attempts,
      lastError: row.last_error,
      createdAt: row.created_at,
    }));
  }

  /**
   * Puts a dead event back in the queue with a fresh attempt count, due at
   * once. Returns false when no dead event has this id.
   */
  async replayDeadEvent(eventId: string): Promise<boolean> {
    const rows = await this.#sql`
      update event_outbox
      set status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = null,
          locked_by = null
      where id = ${eventId}::uuid and status = 'dead'
      returning id`;
    return rows.length > 0;
  }

  /** Queue depth, oldest undelivered age and dead count of every tenant with any. */
  async queueStats(): Promise<TenantQueueStats[]> {
    const rows = await this.#sql<
      { tenant_id: string; depth: string; oldest_age: number | null; dead: string }[]
    >`
      select tenant_id,
             count(*) filter (where status in ('pending', 'processing')) as depth,
             extract(epoch from now() - min(created_at)
                 filter (where status in ('pending', 'processing')))::float8 as oldest_age,
             count(*) filter (where status = 'dead') as dead
      from event_outbox
      where status <> 'done'
      group by tenant_id
      order by tenant_id`;
    return rows.map((row) => ({
      tenantId: row.tenant_id,
      depth: Number(row.depth),
      oldestAgeSeconds: row.oldest_age ?? 0,
      dead: Number(row.dead),
    }));
  }

  /**
   * Calls onNotify whenever a transaction that wrote events commits. The
   * driver re-subscribes after a lost connection; callers still poll, since
   * notifications sent while disconnected are lost.
   */
  async listen(onNotify: () => void): Promise<{ unlisten(): Promise<void> }> {
    const subscription = await this.#sql.listen(OUTBOX_CHANNEL, () => onNotify());
    return { unlisten: () => subscription.unlisten() };
  }

  async close(): Promise<void> {
    await this.#sql.end({ timeout: 5 });
  }
}

/** The NOTIFY channel of the event_outbox insert trigger. */
export const OUTBOX_CHANNEL = "tapeline_outbox";

export function connectRelay(relayUrl: string, options?: { max?: number }): RelayDatabase {
  return new RelayDatabase(relayUrl, options);
}
