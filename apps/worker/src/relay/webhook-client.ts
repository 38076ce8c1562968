// Sends one signed webhook POST with node:http(s): a hard timeout for the
// whole exchange, redirects never followed (a 3xx is a failure), and with
// the private-address guard in the socket's DNS lookup unless private
// targets are allowed.
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { BlockedAddressError, guardedLookup, isPrivateAddress } from "./address-guard.ts";

export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivateTargets: boolean;
}

export type WebhookResult =
  | { ok: true; status: number }
  | { ok: false; status: number | null; error: string };

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

/** Posts the request; never throws, and never includes headers in the error text. */
export function postWebhook(request: WebhookRequest): Promise<WebhookResult> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return Promise.resolve({ ok: false, status: null, error: "invalid webhook URL" });
  }
  const secure = url.protocol === "https:";
  if (!secure && url.protocol !== "http:") {
    return Promise.resolve({ ok: false, status: null, error: `unsupported scheme ${url.protocol}` });
  }
  // A literal address needs no lookup, so node would skip the guard: check it here.
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!request.allowPrivateTargets && isIP(host) !== 0 && isPrivateAddress(host)) {
    return Promise.resolve({
      ok: false,
      status: null,
      error: new BlockedAddressError(
        `Webhook address ${host} is private, loopback or link-local; such targets are rejected unless WEBHOOK_ALLOW_PRIVATE_TARGETS=true.`,
      ).message,
    });
  }

  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: WebhookResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const send = secure ? https.request : http.request;
    const req = send(url, {
      method: "POST",
      agent: secure ? agents.https : agents.http,
      headers: {
        ...request.headers,
        "content-type": "application/json",
        "content-length": Buffer.byteLength(request.body),
      },
      ...(request.allowPrivateTargets ? {} : { lookup: guardedLookup }),
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ ok: false, status: null, error: `timed out after ${request.timeoutMs} ms` });
    }, request.timeoutMs);
    req.on("response", (res) => {
      // Drain the body so the socket returns to the pool; its content is not kept.
      res.resume();
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) finish({ ok: true, status });
        else if (status >= 300 && status < 400) {
          finish({ ok: false, status, error: `HTTP ${status}: redirects are not followed` });
        } else finish({ ok: false, status, error: `HTTP ${status}` });
      });
      res.on("error", (error) => finish({ ok: false, status: res.statusCode ?? null, error: error.message }));
    });
    req.on("error", (error) => finish({ ok: false, status: null, error: error.message }));
    req.end(request.body);
  });
}
