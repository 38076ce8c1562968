// The API's configuration, and the only module of the app that reads
// process.env. Token verification is either development (HS256 with a
// shared secret) or production (a remote JWKS with a fixed issuer and
// audience). Setting both, or neither, is a configuration error.
import { z } from "zod";
import { readDatabaseEnv, type DatabaseEnv } from "@tapeline/db";

/** Default upload limit: 100 MiB, a size chosen, not measured. */
export const DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

/** HS256 needs a key at least as long as its 256-bit output (RFC 7518, section 3.2). */
const MIN_SECRET_BYTES = 32;

export type AuthConfig =
  | { mode: "development"; secret: string }
  | { mode: "production"; jwksUrl: string; issuer: string; audience: string };

export interface ApiEnv {
  host: string;
  port: number;
  maxUploadBytes: number;
  /** Root folder of tenant file storage, shared with the worker. */
  storageDir: string;
  auth: AuthConfig;
  database: DatabaseEnv;
}

const apiEnvSchema = z.object({
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  TAPELINE_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(DEFAULT_MAX_UPLOAD_BYTES),
  TAPELINE_JWT_SECRET: z
    .string()
    .refine((secret) => Buffer.byteLength(secret) >= MIN_SECRET_BYTES, {
      message: `must be at least ${MIN_SECRET_BYTES} bytes for HS256`,
    })
    .optional(),
  TAPELINE_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  TAPELINE_JWT_ISSUER: z.string().min(1).optional(),
  TAPELINE_JWT_AUDIENCE: z.string().min(1).optional(),
});

type ParsedEnv = z.infer<typeof apiEnvSchema>;

export class ApiConfigError extends Error {
  readonly code = "API_CONFIG_INVALID";
}

function readAuthConfig(env: ParsedEnv): AuthConfig {
  const { TAPELINE_JWT_SECRET: secret, TAPELINE_JWKS_URL: jwksUrl } = env;
  if (secret && jwksUrl) {
    throw new ApiConfigError(
      "Both TAPELINE_JWT_SECRET and TAPELINE_JWKS_URL are set: set the secret for " +
        "development or the JWKS URL for production, not both.",
    );
  }
  if (secret) return { mode: "development", secret };
  if (!jwksUrl) {
    throw new ApiConfigError(
      "No token verification configured: set TAPELINE_JWT_SECRET (at least " +
        `${MIN_SECRET_BYTES} bytes) for development, or TAPELINE_JWKS_URL with ` +
        "TAPELINE_JWT_ISSUER and TAPELINE_JWT_AUDIENCE for production.",
    );
  }
  if (!env.TAPELINE_JWT_ISSUER || !env.TAPELINE_JWT_AUDIENCE) {
    throw new ApiConfigError(
      "TAPELINE_JWKS_URL is set without TAPELINE_JWT_ISSUER and TAPELINE_JWT_AUDIENCE: " +
        "set both so tokens minted for other services are rejected.",
    );
  }
  return {
    mode: "production",
    jwksUrl,
    issuer: env.TAPELINE_JWT_ISSUER,
    audience: env.TAPELINE_JWT_AUDIENCE,
  };
}

/** Reads and validates the API's environment; throws ApiConfigError naming the variable. */
export function readApiEnv(env: NodeJS.ProcessEnv = process.env): ApiEnv {
  const parsed = apiEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
      .join("; ");
    throw new ApiConfigError(`Invalid API environment: ${issues}`);
  }
  const database = readDatabaseEnv(env);
  return {
    host: parsed.data.HOST,
    port: parsed.data.PORT,
    maxUploadBytes: parsed.data.TAPELINE_MAX_UPLOAD_BYTES,
    storageDir: database.storageDir,
    auth: readAuthConfig(parsed.data),
    database,
  };
}
