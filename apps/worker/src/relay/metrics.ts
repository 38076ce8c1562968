// Relay metrics. Counters (deliveries, failures, dead events, processed
// events) count what this process did; gauges (queue depth, age of the
// oldest undelivered event, dead events) are read from event_outbox by the
// relay role on every sample. Each sample is also written to
// monitoring_events, per tenant through db.tenant, and the registry is
// served in the Prometheus text format on a loopback port.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Registry } from "prom-client";
import { monitoringEvents, type AppDatabase, type Logger, type RelayDatabase } from "@tapeline/db";

export class RelayMetrics {
  readonly registry = new Registry();
  readonly deliveries: Counter<"tenant_id">;
  readonly failures: Counter<"tenant_id">;
  readonly deadEvents: Counter<"tenant_id">;
  readonly processed: Counter<"tenant_id">;
  readonly queueDepth: Gauge<"tenant_id">;
  readonly oldestAge: Gauge<"tenant_id">;
  readonly deadNow: Gauge<"tenant_id">;
  /** Counter values at the last write to monitoring_events, by metric and tenant. */
  readonly #written = new Map<string, number>();

  constructor() {
    const registers = [this.registry];
    this.deliveries = new Counter({
      name: "tapeline_webhook_deliveries_total",
      help: "Webhook POSTs responded with 2xx, by tenant",
      labelNames: ["tenant_id"],
      registers,
    });
    this.failures = new Counter({
      name: "tapeline_webhook_failures_total",
      help: "Webhook POSTs that failed (non-2xx, timeout, rejected address), by tenant",
      labelNames: ["tenant_id"],
      registers,
    });
    this.deadEvents = new Counter({
      name: "tapeline_outbox_dead_events_total",
      help: "Events this process marked dead, by tenant",
      labelNames: ["tenant_id"],
      registers,
    });
    this.processed = new Counter({
      name: "tapeline_outbox_processed_events_total",
      help: "Events this process completed, by tenant",
      labelNames: ["tenant_id"],
      registers,
    });
    this.queueDepth = new Gauge({
      name: "tapeline_outbox_queue_depth",
      help: "Events pending or being processed, by tenant",
      labelNames: ["tenant_id"],
      registers,
    });
    this.oldestAge = new Gauge({
      name: "tapeline_outbox_oldest_undelivered_age_seconds",
      help: "Age of the oldest pending or processing event, by tenant",
      labelNames: ["tenant_id"],
      registers,
    });
    this.deadNow = new Gauge({
      name: "tapeline_outbox_dead_events",
      help: "Events currently dead, by tenant",
      labelNames: ["tenant_id"],
      registers,
    });
  }

  /**
   * Refreshes the gauges from event_outbox and writes one monitoring_events
   * row per metric and tenant: gauges as read, counters as the increase
   * since the last write.
   */
  async sample(relay: RelayDatabase, db: AppDatabase, workerId: string): Promise<void> {
    const stats = await relay.queueStats();
    this.queueDepth.reset();
    this.oldestAge.reset();
    this.deadNow.reset();
    const rows = new Map<string, { name: string; value: number }[]>();
    const add = (tenantId: string, name: string, value: number) => {
      const list = rows.get(tenantId) ?? [];
      list.push({ name, value });
      rows.set(tenantId, list);
    };
    for (const entry of stats) {
      this.queueDepth.set({ tenant_id: entry.tenantId }, entry.depth);
      this.oldestAge.set({ tenant_id: entry.tenantId }, entry.oldestAgeSeconds);
      this.deadNow.set({ tenant_id: entry.tenantId }, entry.dead);
      add(entry.tenantId, "outbox.queue_depth", entry.depth);
      add(entry.tenantId, "outbox.oldest_undelivered_age_seconds", entry.oldestAgeSeconds);
      add(entry.tenantId, "outbox.dead_events", entry.dead);
    }
    for (const [name, counter] of [
      ["webhook.deliveries", this.deliveries],
      ["webhook.failures", this.failures],
      ["outbox.events_marked_dead", this.deadEvents],
      ["outbox.events_processed", this.processed],
    ] as const) {
      for (const value of (await counter.get()).values) {
        const tenantId = String(value.labels.tenant_id);
        const key = `${name}/${tenantId}`;
        const increase = value.value - (this.#written.get(key) ?? 0);
        this.#written.set(key, value.value);
        if (increase > 0) add(tenantId, name, increase);
      }
    }
    for (const [tenantId, values] of rows) {
      await db.tenant(
        tenantId,
        (tx) =>
          tx.insert(monitoringEvents).values(
            values.map((value) => ({
              tenantId,
              kind: "metric",
              name: value.name,
              value: value.value,
              labels: { workerId },
            })),
          ),
        { actor: "relay-metrics" },
      );
    }
  }
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** Serves GET /metrics on 127.0.0.1:port (0 picks a free port). */
export function serveMetrics(metrics: RelayMetrics, port: number, logger: Logger): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== "GET" || req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
      (error: unknown) => {
        logger.error({ err: error }, "rendering metrics failed");
        res.writeHead(500).end();
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address() as AddressInfo;
      logger.info({ port: address.port }, "metrics served on 127.0.0.1");
      resolve({
        port: address.port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
