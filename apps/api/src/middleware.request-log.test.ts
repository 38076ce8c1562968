import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectApp } from "@tapeline/db";
import { createTenantPair, useTestDatabase, type TenantPair } from "@tapeline/testing";
import { bearer, createTestApi, type TestApi } from "./test-support.ts";

type LogLine = Record<string, unknown>;

/** Runs `request` and returns the lines it logged, parsed. */
async function linesOf(api: TestApi, request: () => unknown): Promise<LogLine[]> {
  const before = api.logLines.length;
  await request();
  return api.logLines.slice(before).map((line) => JSON.parse(line) as LogLine);
}

describe("request log at info level", () => {
  const t = useTestDatabase();
  let api: TestApi;
  let tenants: TenantPair;

  beforeAll(async () => {
    api = await createTestApi(t.db, { logLevel: "info" });
    tenants = await createTenantPair(t.system);
  });
  afterAll(() => api.cleanup());

  it("writes one line for /healthz", async () => {
    let requestId: string | null = null;
    const lines = await linesOf(api, async () => {
      const response = await api.app.request("/healthz");
      requestId = response.headers.get("x-request-id");
    });

    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line?.msg).toBe("request completed");
    expect(line?.requestId).toBe(requestId);
    expect(line?.method).toBe("GET");
    expect(line?.path).toBe("/healthz");
    expect(line?.status).toBe(200);
    expect(line?.durationMs).toBeTypeOf("number");
    expect(line).not.toHaveProperty("tenantId");
  });

  it("logs tenant but no token or query", async () => {
    const token = await api.tokenFor(tenants.tenantA);
    const lines = await linesOf(api, () =>
      api.app.request(`/v1/loans?sort=loan_number&access_token=${token}`, {
        headers: { ...bearer(token), "X-Request-Id": "req-log-fields" },
      }),
    );

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: "request completed",
      requestId: "req-log-fields",
      tenantId: tenants.tenantA,
      method: "GET",
      path: "/v1/loans",
    });
    const text = JSON.stringify(lines);
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.split(".")[2]);
    expect(text).not.toContain("access_token");
    expect(text.toLowerCase()).not.toContain("authorization");
    expect(text.toLowerCase()).not.toContain("bearer");
  });

  it("logs error responses with status", async () => {
    const cases: { path: string; headers: Record<string, string>; status: number }[] = [
      { path: "/v1/loans", headers: {}, status: 401 },
      { path: "/v1/loans", headers: { Authorization: "Bearer not.a.jwt" }, status: 401 },
      { path: "/no-such-route", headers: {}, status: 404 },
    ];
    for (const testCase of cases) {
      const lines = await linesOf(api, () =>
        api.app.request(testCase.path, { headers: testCase.headers }),
      );
      expect(lines, testCase.path).toHaveLength(1);
      expect(lines[0]?.msg, testCase.path).toBe("request completed");
      expect(lines[0]?.status, testCase.path).toBe(testCase.status);
      expect(JSON.stringify(lines), testCase.path).not.toContain("not.a.jwt");
    }
  });

  it("logs a value thrown past onError as 500", async () => {
    // A fresh app, because Hono accepts no new route once it has routed a request.
    const throwing = await createTestApi(t.db, { logLevel: "info" });
    throwing.app.get("/test-only/throws-string", () => {
      throw "thrown string";
    });
    const lines = await linesOf(throwing, async () => {
      await expect(throwing.app.request("/test-only/throws-string")).rejects.toBe("thrown string");
    });
    await throwing.cleanup();

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: "request completed",
      path: "/test-only/throws-string",
      status: 500,
    });
  });
});

describe("request log of a database failure", () => {
  const t = useTestDatabase();

  it("logs the 500 after the error line", async () => {
    const { tenantA } = await createTenantPair(t.system);
    const closed = connectApp(t.appUrl, { max: 1 });
    await closed.close();
    const api = await createTestApi(closed, { logLevel: "info" });

    const lines = await linesOf(api, async () =>
      api.app.request("/v1/loans", {
        headers: { ...bearer(await api.tokenFor(tenantA)), "X-Request-Id": "req-log-500" },
      }),
    );
    await api.cleanup();

    expect(lines.map((line) => line.msg)).toEqual([
      "request failed with an unexpected error",
      "request completed",
    ]);
    expect(lines[1]).toMatchObject({ requestId: "req-log-500", tenantId: tenantA, status: 500 });
  });
});
