import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthenticator } from "./auth.ts";
import { ApiError } from "./errors.ts";

const ISSUER = "https://issuer.test";
const AUDIENCE = "tapeline-api";
const TENANT = "3f2b1c9e-8d4a-4e6b-9c1d-2a7f5e8b0c31";

/** Starts a JWKS endpoint on loopback that answers with `status` (200 unless given). */
async function startJwksServer(jwks: object, status = 200): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.writeHead(status, { "Content-Type": "application/json" });
    response.end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/jwks.json`, server };
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (rejected: unknown) => rejected,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe("JWKS token verification", () => {
  let privateKey: CryptoKey;
  let otherKey: CryptoKey;
  let good: { url: string; server: Server };
  let failing: { url: string; server: Server };

  beforeAll(async () => {
    const pair = await generateKeyPair("ES256");
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair("ES256")).privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "key-1", alg: "ES256" };
    good = await startJwksServer({ keys: [publicJwk] });
    failing = await startJwksServer({ error: "down" }, 503);
  });
  afterAll(() => {
    good.server.close();
    failing.server.close();
  });

  function sign(key: CryptoKey, claims: Record<string, unknown>, issuer = ISSUER) {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", kid: "key-1" })
      .setIssuer(issuer)
      .setAudience(AUDIENCE)
      .setSubject("alice@example.com")
      .setExpirationTime("5m")
      .sign(key);
  }

  const production = (jwksUrl: string) =>
    createAuthenticator({ mode: "production", jwksUrl, issuer: ISSUER, audience: AUDIENCE });

  it("accepts a token signed by a JWKS key", async () => {
    const principal = await production(good.url).verify(await sign(privateKey, { tenant_id: TENANT }));
    expect(principal).toEqual({ tenantId: TENANT, actor: "alice@example.com" });
  });

  it("rejects a token signed by another key", async () => {
    const error = await rejection(production(good.url).verify(await sign(otherKey, { tenant_id: TENANT })));
    expect(error.status).toBe(401);
    expect(error.code).toBe("INVALID_TOKEN");
  });

  it("rejects a token from another issuer", async () => {
    const token = await sign(privateKey, { tenant_id: TENANT }, "https://elsewhere.test");
    const error = await rejection(production(good.url).verify(token));
    expect(error.status).toBe(401);
    expect(error.message).toContain("iss");
  });

  it("rejects an HS256 token in production mode", async () => {
    const token = await new SignJWT({ tenant_id: TENANT })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject("alice@example.com")
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("a-secret-that-is-at-least-32-bytes-long"));
    const error = await rejection(production(good.url).verify(token));
    expect(error.status).toBe(401);
  });

  it("rejects a token without exp", async () => {
    const token = await new SignJWT({ tenant_id: TENANT })
      .setProtectedHeader({ alg: "ES256", kid: "key-1" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject("alice@example.com")
      .sign(privateKey);
    const error = await rejection(production(good.url).verify(token));
    expect(error.status).toBe(401);
    expect(error.code).toBe("INVALID_TOKEN");
    expect(error.message).toContain("exp");
  });

  it("rejects a sub with a NUL character", async () => {
    const token = await new SignJWT({ tenant_id: TENANT })
      .setProtectedHeader({ alg: "ES256", kid: "key-1" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject("alice\u0000@example.com")
      .setExpirationTime("5m")
      .sign(privateKey);
    const error = await rejection(production(good.url).verify(token));
    expect(error.status).toBe(401);
    expect(error.message).toContain("sub claim");
  });

  it("reports an unreachable key set as 503", async () => {
    const error = await rejection(production(failing.url).verify(await sign(privateKey, { tenant_id: TENANT })));
    expect(error.status).toBe(503);
    expect(error.code).toBe("AUTH_UNAVAILABLE");
  });
});
