// The only module of the worker that reads process.env. Database settings
// (DATABASE_URL, TAPELINE_DATA_DIR, ...) are read by @tapeline/db.
import { z } from "zod";

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
    .min(10)
    .max(86_400)
    .default(900),
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
