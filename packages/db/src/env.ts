// The only module of @tapeline/db that reads process.env.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const repositoryRoot = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../..",
);

const databaseEnvSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  DATABASE_APP_URL: z.string().url().optional(),
  DATABASE_RELAY_URL: z.string().url().optional(),
  TAPELINE_APP_PASSWORD: z.string().min(12).optional(),
  TAPELINE_RELAY_PASSWORD: z.string().min(12).optional(),
  TAPELINE_DATA_DIR: z.string().min(1).optional(),
  TAPELINE_STORAGE_DIR: z.string().min(1).optional(),
  TAPELINE_EMBEDDED_PORT: z.coerce.number().int().min(1024).max(65535).optional(),
  TAPELINE_EXTRACTOR_VERSION: z.string().min(1).optional(),
});

export type DatabaseEnv = z.infer<typeof databaseEnvSchema> & {
  dataDir: string;
  /** Root of tenant file storage, shared by the API, the worker and the CLI. */
  storageDir: string;
  embeddedPort: number;
  currentExtractorVersion: string;
};

/** The deterministic extractor's version; extraction rows without one are backfilled to it. */
export const DEFAULT_EXTRACTOR_VERSION = "rules-2026.12.0";

export function readDatabaseEnv(env: NodeJS.ProcessEnv = process.env): DatabaseEnv {
  const parsed = databaseEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
      .join("; ");
    throw new Error(`Invalid database environment: ${issues}`);
  }
  const dataDir = path.resolve(parsed.data.TAPELINE_DATA_DIR ?? path.join(repositoryRoot, ".tapeline"));
  return {
    ...parsed.data,
    dataDir,
    storageDir: path.resolve(parsed.data.TAPELINE_STORAGE_DIR ?? path.join(dataDir, "storage")),
    embeddedPort: parsed.data.TAPELINE_EMBEDDED_PORT ?? 54329,
    currentExtractorVersion: parsed.data.TAPELINE_EXTRACTOR_VERSION ?? DEFAULT_EXTRACTOR_VERSION,
  };
}

export const migrationsFolder = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../migrations",
);
