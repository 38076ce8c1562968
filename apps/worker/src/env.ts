// The only module of the worker that reads process.env. Database settings
// (DATABASE_URL, TAPELINE_DATA_DIR, ...) are read by @tapeline/db.
import { z } from "zod";
import { FAULT_POINTS } from "./relay/faults.ts";

const booleanSetting = z
  .enum(["true", "false", "1", "0"])
  .transform((value) => value === "true" || value === "1");

const workerEnvSchema = z.object({
  /** Idle wait between claims when no event is due, in milliseconds. */
  WORKER_POLL_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(10)
    .max(60_000)
    .default(500),
  /** Attempts per event before it is marked dead. */
  WORKER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  /** How long a claimed event stays leased to this worker, in seconds. */
  WORKER_LEASE_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(86_400)
    .default(900),
  /** Events claimed at once. */
  WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(50),
  /** Claim loops per worker process, each with its own batch in flight. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  /** First retry delay in seconds, doubled per attempt, with jitter. */
  WORKER_RETRY_BASE_SECONDS: z.coerce.number().min(0.01).max(3600).default(5),
  /** Cap of the retry delay, in seconds. */
  WORKER_RETRY_MAX_SECONDS: z.coerce.number().min(0.01).max(86_400).default(600),
  /** Time limit of one webhook POST, in milliseconds. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /**
   * Allows webhook targets on loopback, private and link-local addresses.
   * Off in production (server-side request forgery); on for development and tests.
   */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: booleanSetting.default(false),
  /** Serves Prometheus metrics on 127.0.0.1 at this port; none when unset. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  /** Interval of metric samples written to monitoring_events, in ms; 0 turns them off. */
  WORKER_METRICS_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  /** Crash tests only: SIGKILL this process at the named point of the relay. */
  TAPELINE_FAULT_KILL_AT: z.enum(FAULT_POINTS).optional(),
  /** Name shown in event_outbox.locked_by and in logs. */
  WORKER_ID: z.string().min(1).max(200).optional(),
});

export type WorkerEnv = z.infer<typeof workerEnvSchema>;

export function readWorkerEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnv {
  const parsed = workerEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
      .join("; ");
    throw new Error(`Invalid worker environment: ${issues}`);
  }
  return parsed.data;
}
