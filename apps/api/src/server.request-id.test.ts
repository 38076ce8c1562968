import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenantPair, useTestDatabase, type TenantPair } from "@tapeline/testing";
import { startServer, type RunningServer } from "./server.ts";
import { bearer, createTestApi, type TestApi } from "./test-support.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("X-Request-Id over HTTP", () => {
  const t = useTestDatabase();
  let api: TestApi;
  let tenants: TenantPair;
  let server: RunningServer;

  beforeAll(async () => {
    api = await createTestApi(t.db);
    tenants = await createTenantPair(t.system);
    const logger = pino({ level: "silent" });
    server = await startServer({ app: api.app, host: "127.0.0.1", port: 0, logger });
  });
  afterAll(async () => {
    await server.close();
    await api.cleanup();
  });

  it("returns one generated id per response", async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toMatch(UUID);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("keeps a safe client id on success and errors", async () => {
    const token = await api.tokenFor(tenants.tenantA);
    const cases = [
      { path: "/v1/loans", headers: bearer(token), status: 200 },
      { path: "/v1/loans", headers: {}, status: 401 },
      { path: "/v1/loans/not-a-uuid", headers: bearer(token), status: 400 },
      { path: "/no-such-route", headers: {}, status: 404 },
    ];
    for (const [index, testCase] of cases.entries()) {
      const id = `http-case-${index}`;
      const response = await fetch(`${server.url}${testCase.path}`, {
        headers: { ...testCase.headers, "X-Request-Id": id },
      });
      await response.text();
      expect(response.status, testCase.path).toBe(testCase.status);
      expect(response.headers.get("x-request-id"), testCase.path).toBe(id);
    }
  });

  it("logs the id the response carries", async () => {
    const before = api.logLines.length;
    const response = await fetch(`${server.url}/healthz`);
    await response.text();
    const id = response.headers.get("x-request-id");

    const logged = api.logLines
      .slice(before)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const received = logged.find((line) => line.msg === "request received");
    const completed = logged.find((line) => line.msg === "request completed");
    expect(received?.requestId).toBe(id);
    expect(completed?.requestId).toBe(id);
  });
});
