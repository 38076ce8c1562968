// Builds the app for tests: a real database (the caller's), a temporary
// storage folder, a development secret, and a logger whose lines are kept
// in memory so tests can assert what was logged.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { FileStorage } from "@tapeline/core/storage";
import type { AppDatabase } from "@tapeline/db";
import { createApp } from "./app.ts";
import { createAuthenticator, signDevelopmentToken } from "./auth.ts";
import type { App } from "./context.ts";

export const TEST_SECRET = "test-secret-for-hs256-of-at-least-32-bytes";

export interface TestApi {
  app: App;
  storage: FileStorage;
  storageDir: string;
  /** Every log line written so far, as raw JSON text. */
  logLines: string[];
  tokenFor(tenantId: string, subject?: string): Promise<string>;
  /** Relative paths of every file under the storage folder. */
  storedFiles(): Promise<string[]>;
  cleanup(): Promise<void>;
}

export async function createTestApi(
  db: AppDatabase,
  options: { maxUploadBytes?: number; logLevel?: string } = {},
): Promise<TestApi> {
  const storageDir = await mkdtemp(path.join(tmpdir(), "tapeline-api-test-"));
  const storage = new FileStorage(storageDir);
  const logLines: string[] = [];
  const logger = pino({ level: options.logLevel ?? "debug" }, { write: (line: string) => logLines.push(line) });
  const app = createApp({
    db,
    storage,
    auth: createAuthenticator({ mode: "development", secret: TEST_SECRET }),
    logger,
    maxUploadBytes: options.maxUploadBytes,
  });
  return {
    app,
    storage,
    storageDir,
    logLines,
    tokenFor: (tenantId, subject = "user@example.com") =>
      signDevelopmentToken({ secret: TEST_SECRET, tenantId, subject }),
    async storedFiles() {
      const entries = await readdir(storageDir, { recursive: true, withFileTypes: true });
      return entries
        .filter((entry) => entry.isFile())
        .map((entry) => path.relative(storageDir, path.join(entry.parentPath, entry.name)));
    },
    cleanup: () => rm(storageDir, { recursive: true, force: true }),
  };
}

/** Authorization header for a bearer token. */
export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}
