// Serves a built app over HTTP with @hono/node-server.
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import type { Logger } from "@tapeline/db";
import type { App } from "./context.ts";

export interface RunningServer {
  /** Base URL, such as http://127.0.0.1:3000. */
  url: string;
  /** Stops accepting connections and waits for open requests to finish. */
  close(): Promise<void>;
}

export interface StartServerOptions {
  app: App;
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
}

/** Listens on host:port; resolves once the socket is bound. */
export function startServer(options: StartServerOptions): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server: ServerType = serve(
      { fetch: options.app.fetch, hostname: options.host, port: options.port },
      (info: AddressInfo) => {
        server.off("error", reject);
        const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
        const url = `http://${host}:${info.port}`;
        // Logged as `address` because the shared logger redacts `url` fields.
        options.logger.info({ address: url }, "API listening");
        resolve({ url, close: () => closeServer(server) });
      },
    );
    server.once("error", reject);
  });
}

function closeServer(server: ServerType): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    if ("closeIdleConnections" in server) server.closeIdleConnections();
  });
}
