// The only reader of process.env for `pnpm start`.
import { z } from "zod";

const startEnvSchema = z.object({
  HOST: z.string().default("127.0.0.1"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  TAPELINE_JWT_SECRET: z.string().min(32).optional(),
});

export type StartEnv = z.infer<typeof startEnvSchema>;

export function readStartEnv(): StartEnv {
  const parsed = startEnvSchema.safeParse(process.env);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
      .join("; ");
    throw new Error(`Invalid environment for pnpm start: ${issues}`);
  }
  return parsed.data;
}

/** Environment handed to the API and worker processes, on top of the parent's. */
export function childEnvironment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
