import { openSync } from "node:fs";
import { pino, type Logger } from "pino";

export type { Logger };

export interface LoggerOptions {
  /** File path or descriptor the lines are written to; default stdout (1). */
  destination?: string | number;
  /**
   * Whether each line is written before the logging call returns (default
   * true). With false, lines logged while a write is in flight go out
   * together in the next write, and pino 10 writes what is still buffered
   * synchronously from its process `exit` hook.
   */
  sync?: boolean;
}

/** Creates a JSON logger named after the component; LOG_LEVEL sets the level (default info). */
export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  // A path is opened here synchronously. An asynchronous destination would
  // otherwise open it in the background, and an exit before the file is
  // open would lose every line logged so far.
  const fd =
    typeof options.destination === "string"
      ? openSync(options.destination, "a")
      : (options.destination ?? 1);
  // minLength 1 still writes as soon as a line arrives, but unlike 0 it
  // makes flush(callback) wait until the lines reach the file (sonic-boom
  // 4.2 calls the callback at once when minLength is 0).
  const destination = pino.destination({ fd, sync: options.sync ?? true, minLength: 1 });
  return pino(
    {
      name,
      level: process.env.LOG_LEVEL ?? "info",
      redact: ["password", "*.password", "url", "*.url", "authorization", "*.authorization"],
    },
    destination,
  );
}

/** Writes out any buffered lines; resolves once they reached the destination. */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve, reject) => {
    logger.flush((error) => (error ? reject(error) : resolve()));
  });
}
