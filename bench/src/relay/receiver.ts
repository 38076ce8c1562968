// The relay figure's no-op webhook receiver: an HTTP server on 127.0.0.1
// that reads each POST's body to the end and responds 204 at once. It does
// not parse the body or verify the signature. It counts the requests and
// the distinct `Tapeline-Event-Id` values, so a round can check that every
// event arrived exactly once.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface NoopReceiver {
  url: string;
  /** POSTs received since the last reset. */
  readonly received: number;
  /** Distinct event ids among them. */
  readonly distinct: number;
  reset(): void;
  close(): Promise<void>;
}

export async function startNoopReceiver(): Promise<NoopReceiver> {
  let received = 0;
  let eventIds = new Set<string>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received += 1;
      const eventId = req.headers["tapeline-event-id"];
      if (typeof eventId === "string") eventIds.add(eventId);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/hook`,
    get received() {
      return received;
    },
    get distinct() {
      return eventIds.size;
    },
    reset() {
      received = 0;
      eventIds = new Set();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
