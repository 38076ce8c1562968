// The webhook signature scheme (docs/outbox.md, "Verifying a delivery").
//   Tapeline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>
// where the HMAC key is the subscriber's secret (its UTF-8 bytes) and the
// message is `${t}.${raw request body}`. Receivers recompute the HMAC over
// the exact body bytes, compare in constant time, and reject a timestamp
// outside their tolerance to stop replays.
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "tapeline-signature";

export function signatureOf(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** The Tapeline-Signature header value for `body` sent at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${signatureOf(secret, timestamp, body)}`;
}

export type SignatureCheck =
  | { valid: true; timestamp: number }
  | { valid: false; reason: string };

/**
 * Checks a Tapeline-Signature header against the raw body, as a receiver
 * does. `toleranceSeconds` bounds the distance between the signed
 * timestamp and `nowSeconds`.
 */
export function verifySignature(
  secret: string,
  header: string | undefined,
  body: string,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): SignatureCheck {
  if (!header) return { valid: false, reason: "no Tapeline-Signature header" };
  const parts = new Map<string, string>();
  for (const part of header.split(",")) {
    const [key, value] = part.split("=", 2);
    if (key && value) parts.set(key.trim(), value.trim());
  }
  const timestamp = Number(parts.get("t"));
  const given = parts.get("v1");
  if (!Number.isSafeInteger(timestamp) || !given || !/^[0-9a-f]{64}$/.test(given)) {
    return { valid: false, reason: "malformed Tapeline-Signature header" };
  }
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) {
    return { valid: false, reason: "timestamp outside the tolerance" };
  }
  const expected = Buffer.from(signatureOf(secret, timestamp, body), "hex");
  if (!timingSafeEqual(expected, Buffer.from(given, "hex"))) {
    return { valid: false, reason: "signature mismatch" };
  }
  return { valid: true, timestamp };
}
