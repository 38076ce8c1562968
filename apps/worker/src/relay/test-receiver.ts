// A webhook receiver on 127.0.0.1 for tests and the soak script: records
// every POST with its signature check, and responds with whatever the test
// sets (a status, or no response at all to force a timeout).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { verifySignature } from "./signature.ts";

export interface ReceivedDelivery {
  eventId: string;
  type: string;
  tenantId: string;
  aggregateId: string;
  payload: Record<string, unknown>;
  signatureValid: boolean;
  attemptHeader: string | undefined;
}

/** How to respond: a status for every POST, or none at all (the sender times out). */
export type ReceiverMode = { status: number } | { hang: true };

export interface TestReceiver {
  url: string;
  /** The subscriber's secret, which signatures are checked against; set after creating the subscriber. */
  secret: string;
  /** Every POST responded with 2xx, in arrival order. */
  delivered: ReceivedDelivery[];
  /** Count of POSTs that got another response (or left hanging). */
  rejected: number;
  setMode(mode: ReceiverMode): void;
  /** Responds with 500 to events for which this returns true, whatever the mode. */
  rejectIf(predicate: ((payload: Record<string, unknown>) => boolean) | undefined): void;
  close(): Promise<void>;
}

export async function startTestReceiver(port = 0): Promise<TestReceiver> {
  let mode: ReceiverMode = { status: 204 };
  let reject: ((payload: Record<string, unknown>) => boolean) | undefined;
  const delivered: ReceivedDelivery[] = [];
  const receiver = { rejected: 0, secret: "" };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if ("hang" in mode) {
        receiver.rejected += 1;
        return;
      }
      if (mode.status < 200 || mode.status >= 300) {
        receiver.rejected += 1;
        res.writeHead(mode.status).end();
        return;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      const event = JSON.parse(body) as Omit<ReceivedDelivery, "eventId" | "signatureValid" | "attemptHeader"> & {
        id: string;
      };
      if (reject?.(event.payload)) {
        receiver.rejected += 1;
        res.writeHead(500).end();
        return;
      }
      const signature = req.headers["tapeline-signature"];
      delivered.push({
        eventId: event.id,
        type: event.type,
        tenantId: event.tenantId,
        aggregateId: event.aggregateId,
        payload: event.payload,
        signatureValid: verifySignature(receiver.secret, Array.isArray(signature) ? signature[0] : signature, body).valid,
        attemptHeader: req.headers["tapeline-delivery-attempt"] as string | undefined,
      });
      res.writeHead(mode.status).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/hook`,
    delivered,
    get rejected() {
      return receiver.rejected;
    },
    get secret() {
      return receiver.secret;
    },
    set secret(value: string) {
      receiver.secret = value;
    },
    setMode(next) {
      mode = next;
    },
    rejectIf(predicate) {
      reject = predicate;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
