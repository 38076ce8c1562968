import { describe, expect, it } from "vitest";
import { isPrivateAddress } from "./address-guard.ts";
import { retryDelaySeconds, withJitter } from "./dispatch.ts";
import { signatureHeader, verifySignature } from "./signature.ts";
import { postWebhook } from "./webhook-client.ts";

describe("isPrivateAddress", () => {
  it.each([
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "::1",
    "::",
    "fe80::1",
    "fd00::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "not-an-address",
  ])("rejects %s", (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(["93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])("allows %s", (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });
});

describe("postWebhook", () => {
  it("rejects a literal private address without sending", async () => {
    const result = await postWebhook({
      url: "http://[::1]:9/hook",
      body: "{}",
      headers: {},
      timeoutMs: 1000,
      allowPrivateTargets: false,
    });
    expect(result).toEqual({ ok: false, status: null, error: expect.stringContaining("::1 is private") });
  });

  it("rejects a host name that resolves to loopback", async () => {
    const result = await postWebhook({
      url: "http://localhost:9/hook",
      body: "{}",
      headers: {},
      timeoutMs: 1000,
      allowPrivateTargets: false,
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/localhost resolves to .* private, loopback or link-local/);
  });
});

describe("signatures", () => {
  const secret = "whsec_test-secret-of-enough-length-000000";
  const body = '{"id":"e1"}';

  it("signature rejects tampered requests", () => {
    const now = 1_796_400_000;
    const header = signatureHeader(secret, now, body);
    expect(header).toMatch(/^t=1796400000,v1=[0-9a-f]{64}$/);
    expect(verifySignature(secret, header, body, { nowSeconds: now })).toEqual({ valid: true, timestamp: now });
    expect(verifySignature(secret, header, '{"id":"e2"}', { nowSeconds: now })).toMatchObject({ valid: false });
    expect(verifySignature("other-secret", header, body, { nowSeconds: now })).toMatchObject({ valid: false });
    expect(verifySignature(secret, header, body, { nowSeconds: now + 301 })).toEqual({
      valid: false,
      reason: "timestamp outside the tolerance",
    });
    expect(verifySignature(secret, "v1=abc", body)).toMatchObject({ valid: false });
  });
});

describe("backoff", () => {
  it("backoff doubles up to the cap", () => {
    expect([1, 2, 3, 4, 10].map((attempt) => retryDelaySeconds(attempt, 5, 60))).toEqual([5, 10, 20, 40, 60]);
    expect(withJitter(10, () => 0)).toBe(5);
    expect(withJitter(10, () => 0.999_999)).toBeCloseTo(10, 4);
  });
});
