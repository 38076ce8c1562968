import { pino, type Logger } from "pino";

export type { Logger };

/** Creates a JSON logger named after the component; LOG_LEVEL sets the level (default info). */
export function createLogger(name: string): Logger {
  return pino({
    name,
    level: process.env.LOG_LEVEL ?? "info",
    redact: ["password", "*.password", "url", "*.url", "authorization", "*.authorization"],
  });
}
