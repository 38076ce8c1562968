// The only module of the CLI that reads process.env. Database settings
// (DATABASE_URL, TAPELINE_DATA_DIR, TAPELINE_EMBEDDED_PORT) are read by
// @tapeline/db.
import { userInfo } from "node:os";

export interface CliEnv {
  /** Folder that relative file arguments are resolved against. */
  invocationDir: string;
  /** pino level for database start-up messages; defaults to warn. */
  logLevel: string;
  /** Recorded as the actor on audits rows. */
  actor: string;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

export function readCliEnv(env: NodeJS.ProcessEnv = process.env): CliEnv {
  return {
    // `pnpm tapeline` runs the script in apps/cli; INIT_CWD is where the user typed it.
    invocationDir: env.INIT_CWD ?? process.cwd(),
    logLevel: env.LOG_LEVEL ?? "warn",
    actor: `cli:${currentUser()}`,
  };
}
