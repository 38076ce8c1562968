import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectApp } from "@tapeline/db";
import { createTenantPair, useTestDatabase, type TenantPair } from "@tapeline/testing";
import { DEVELOPMENT_AUDIENCE, DEVELOPMENT_ISSUER, signDevelopmentToken } from "./auth.ts";
import { bearer, createTestApi, TEST_SECRET, type TestApi } from "./test-support.ts";

function signWith(secret: string, claims: Record<string, unknown>, expiresAt?: number) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(DEVELOPMENT_ISSUER)
    .setAudience(DEVELOPMENT_AUDIENCE)
    .setSubject("user@example.com")
    .setIssuedAt(now)
    .setExpirationTime(expiresAt ?? now + 600)
    .sign(new TextEncoder().encode(secret));
}

describe("API authentication", () => {
  const t = useTestDatabase();
  let api: TestApi;
  let tenants: TenantPair;

  beforeAll(async () => {
    api = await createTestApi(t.db);
    tenants = await createTenantPair(t.system);
  });
  afterAll(() => api.cleanup());

  async function expect401(headers: Record<string, string>, code: string) {
    const response = await api.app.request("/v1/loans", { headers });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    return body.error.message;
  }

  it("rejects a request without a token", async () => {
    await expect401({}, "UNAUTHENTICATED");
  });

  it("rejects a non-bearer authorization header", async () => {
    await expect401({ Authorization: "Basic dXNlcjpwYXNz" }, "UNAUTHENTICATED");
  });

  it("rejects a token signed with another secret", async () => {
    const token = await signWith("another-secret-that-is-at-least-32-bytes", {
      tenant_id: tenants.tenantA,
    });
    const message = await expect401(bearer(token), "INVALID_TOKEN");
    expect(message).toMatch(/signature/);
  });

  it("rejects an expired token", async () => {
    const token = await signDevelopmentToken({
      secret: TEST_SECRET,
      tenantId: tenants.tenantA,
      subject: "user@example.com",
      expiresInSeconds: -60,
    });
    const message = await expect401(bearer(token), "INVALID_TOKEN");
    expect(message).toMatch(/expired/);
  });

  it("rejects a token without exp", async () => {
    const token = await new SignJWT({ tenant_id: tenants.tenantA })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(DEVELOPMENT_ISSUER)
      .setAudience(DEVELOPMENT_AUDIENCE)
      .setSubject("user@example.com")
      .sign(new TextEncoder().encode(TEST_SECRET));
    const message = await expect401(bearer(token), "INVALID_TOKEN");
    expect(message).toMatch(/no exp claim/);
  });

  it("rejects a token valid for two days", async () => {
    const twoDays = Math.floor(Date.now() / 1000) + 2 * 24 * 60 * 60;
    const token = await signWith(TEST_SECRET, { tenant_id: tenants.tenantA }, twoDays);
    const message = await expect401(bearer(token), "INVALID_TOKEN");
    expect(message).toMatch(/exp claim/);
  });

  it("rejects control characters in sub", async () => {
    for (const sub of ["user\u0000@example.com", "user\n@example.com", "user\u009b"]) {
      const token = await signDevelopmentToken({
        secret: TEST_SECRET,
        tenantId: tenants.tenantA,
        subject: sub,
      });
      const message = await expect401(bearer(token), "INVALID_TOKEN");
      expect(message).toMatch(/sub claim/);
    }
  });

  it("rejects a token without tenant_id", async () => {
    const token = await signWith(TEST_SECRET, {});
    const message = await expect401(bearer(token), "INVALID_TOKEN");
    expect(message).toMatch(/tenant_id/);
  });

  it("rejects a tenant_id that is not a UUID", async () => {
    const token = await signWith(TEST_SECRET, { tenant_id: "tenant-a" });
    const message = await expect401(bearer(token), "INVALID_TOKEN");
    expect(message).toMatch(/tenant_id/);
  });

  it("rejects the nil tenant of global rules", async () => {
    const token = await signWith(TEST_SECRET, {
      tenant_id: "00000000-0000-0000-0000-000000000000",
    });
    await expect401(bearer(token), "INVALID_TOKEN");
  });

  it("rejects a token for another audience", async () => {
    const token = await new SignJWT({ tenant_id: tenants.tenantA })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(DEVELOPMENT_ISSUER)
      .setAudience("some-other-service")
      .setSubject("user@example.com")
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode(TEST_SECRET));
    const message = await expect401(bearer(token), "INVALID_TOKEN");
    expect(message).toMatch(/aud/);
  });

  it("rejects a token without sub", async () => {
    const token = await new SignJWT({ tenant_id: tenants.tenantA })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(DEVELOPMENT_ISSUER)
      .setAudience(DEVELOPMENT_AUDIENCE)
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode(TEST_SECRET));
    const message = await expect401(bearer(token), "INVALID_TOKEN");
    expect(message).toMatch(/sub/);
  });

  it("accepts a development token", async () => {
    const response = await api.app.request("/v1/loans", {
      headers: bearer(await api.tokenFor(tenants.tenantA)),
    });
    expect(response.status).toBe(200);
  });

  it("serves /healthz without a token", async () => {
    const response = await api.app.request("/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("replaces an unsafe X-Request-Id", async () => {
    const token = await api.tokenFor(tenants.tenantB);
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const unsafe of ["a".repeat(65), "abc=def", "id with space", "<script>"]) {
      const before = api.logLines.length;
      const response = await api.app.request("/v1/loans", {
        headers: { ...bearer(token), "X-Request-Id": unsafe },
      });
      expect(response.headers.get("x-request-id"), unsafe).toMatch(uuid);
      expect(api.logLines.slice(before).join("\n"), unsafe).not.toContain(unsafe);
    }
    const kept = await api.app.request("/v1/loans", {
      headers: { ...bearer(token), "X-Request-Id": "Req_1.2-x" },
    });
    expect(kept.headers.get("x-request-id")).toBe("Req_1.2-x");
  });

  it("logs request id and tenant, never the token", async () => {
    const token = await api.tokenFor(tenants.tenantB);
    const before = api.logLines.length;
    const response = await api.app.request("/v1/loans", {
      headers: { ...bearer(token), "X-Request-Id": "req-log-test-1" },
    });
    expect(response.headers.get("x-request-id")).toBe("req-log-test-1");

    const lines = api.logLines.slice(before);
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const received = parsed.find((line) => line.msg === "request received");
    const completed = parsed.find((line) => line.msg === "request completed");
    expect(received).toMatchObject({ requestId: "req-log-test-1", path: "/v1/loans" });
    expect(completed).toMatchObject({
      requestId: "req-log-test-1",
      tenantId: tenants.tenantB,
      status: 200,
    });
    expect(lines.join("\n")).not.toContain(token);
    expect(lines.join("\n")).not.toContain(token.split(".")[2]);
  });

  it("logs a rejected request in and out", async () => {
    const before = api.logLines.length;
    await api.app.request("/v1/loans", { headers: { Authorization: "Bearer not.a.jwt" } });
    const parsed = api.logLines.slice(before).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.map((line) => line.msg)).toEqual(["request received", "request completed"]);
    expect(parsed[1]).toMatchObject({ status: 401 });
    expect(api.logLines.slice(before).join("\n")).not.toContain("not.a.jwt");
  });

  it("answers an unknown route with a JSON 404", async () => {
    const response = await api.app.request(`/v1/nothing/${randomUUID()}`, {
      headers: bearer(await api.tokenFor(tenants.tenantA)),
    });
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe("ROUTE_NOT_FOUND");
  });
});

describe("API error responses", () => {
  const t = useTestDatabase();

  it("hides database failures behind a generic 500", async () => {
    const { tenantA } = await createTenantPair(t.system);
    const closed = connectApp(t.appUrl, { max: 1 });
    await closed.close();
    const api = await createTestApi(closed);

    const response = await api.app.request("/v1/loans?sort=loan_number", {
      headers: { ...bearer(await api.tokenFor(tenantA)), "X-Request-Id": "req-db-down" },
    });
    expect(response.status).toBe(500);
    const text = await response.text();
    const body = JSON.parse(text) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("INTERNAL_ERROR");
    expect(body.error.message).toContain("req-db-down");
    expect(text).not.toMatch(/select|loan_candidates|tenant_id|postgres/i);

    const logged = api.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const failure = logged.find((line) => line.msg === "request failed with an unexpected error");
    expect(failure).toMatchObject({ requestId: "req-db-down", tenantId: tenantA });
    expect(api.logLines.join("\n")).not.toMatch(/select .* from/i);
    await api.cleanup();
  });
});
