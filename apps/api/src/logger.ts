// The API's logger: one line per request, so lines are written
// asynchronously. Lines logged while a write is in flight go out together
// in the next write, so a busy server makes far fewer write calls than it
// logs lines, and an idle one still writes each line at once. The shutdown
// in index.ts flushes before exiting, and pino writes anything still
// buffered on process exit. A SIGKILL or a crash of the runtime itself can
// lose the lines of the last write in flight.
import { createLogger, type Logger } from "@tapeline/db";

/** Creates the API logger writing to `destination` (a path or descriptor; default stdout). */
export function createApiLogger(destination?: string | number): Logger {
  return createLogger("api", { destination, sync: false });
}
