import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { audits, enqueueEvent, eq, and } from "@tapeline/db";
import { createTenantPair, useTestDatabase, type TenantPair } from "@tapeline/testing";
import { bearer, createTestApi, type TestApi } from "./test-support.ts";

interface Subscriber {
  id: string;
  url: string;
  eventTypes: string[];
  active: boolean;
  secret?: string;
}

describe("/v1/webhooks", () => {
  const t = useTestDatabase();
  let api: TestApi;
  let tenants: TenantPair;
  let tokenA: string;
  let tokenB: string;

  beforeAll(async () => {
    api = await createTestApi(t.db);
    tenants = await createTenantPair(t.system);
    tokenA = await api.tokenFor(tenants.tenantA);
    tokenB = await api.tokenFor(tenants.tenantB);
  });
  afterAll(async () => {
    await api.cleanup();
  });

  const create = (token: string, body: unknown) =>
    api.app.request("/v1/webhooks", {
      method: "POST",
      headers: { ...bearer(token), "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("creates a subscriber and shows its secret once", async () => {
    const response = await create(tokenA, { url: "https://hooks.example.com/a", eventTypes: ["import.completed"] });
    expect(response.status).toBe(201);
    const created = (await response.json()) as Subscriber;
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(response.headers.get("location")).toBe(`/v1/webhooks/${created.id}`);

    const list = (await (await api.app.request("/v1/webhooks", { headers: bearer(tokenA) })).json()) as {
      items: Subscriber[];
    };
    expect(list.items.map((item) => item.id)).toContain(created.id);
    expect(list.items.every((item) => !("secret" in item))).toBe(true);
    expect(JSON.stringify(api.logLines)).not.toContain(created.secret);

    const auditRows = await t.db.tenant(tenants.tenantA, (tx) =>
      tx
        .select({ after: audits.after })
        .from(audits)
        .where(and(eq(audits.tenantId, tenants.tenantA), eq(audits.tableName, "webhook_subscribers"))),
    );
    expect(auditRows.length).toBeGreaterThan(0);
    expect(JSON.stringify(auditRows)).not.toContain(created.secret!);
  });

  it("rejects a non-http URL and an invalid event type, naming the value", async () => {
    const badUrl = await create(tokenA, { url: "ftp://hooks.example.com", eventTypes: ["*"] });
    expect(badUrl.status).toBe(400);
    expect(await badUrl.json()).toEqual({
      error: { code: "INVALID_SUBSCRIBER", message: expect.stringContaining('"ftp://hooks.example.com" uses ftp:') },
    });
    const badType = await create(tokenA, { url: "https://hooks.example.com", eventTypes: ["Import Completed"] });
    expect(badType.status).toBe(400);
    expect(((await badType.json()) as { error: { message: string } }).error.message).toContain('"Import Completed"');
  });

  it("keeps each tenant's subscribers to that tenant", async () => {
    const created = (await (await create(tokenA, { url: "https://hooks.example.com/b", eventTypes: ["*"] })).json()) as Subscriber;
    const listB = (await (await api.app.request("/v1/webhooks", { headers: bearer(tokenB) })).json()) as {
      items: Subscriber[];
    };
    expect(listB.items.map((item) => item.id)).not.toContain(created.id);
    const deleteByB = await api.app.request(`/v1/webhooks/${created.id}`, { method: "DELETE", headers: bearer(tokenB) });
    expect(deleteByB.status).toBe(404);
    const deleteByA = await api.app.request(`/v1/webhooks/${created.id}`, { method: "DELETE", headers: bearer(tokenA) });
    expect(deleteByA.status).toBe(204);
    const again = await api.app.request(`/v1/webhooks/${created.id}`, { method: "DELETE", headers: bearer(tokenA) });
    expect(again.status).toBe(404);
  });

  it("lists the tenant's own dead events only", async () => {
    const ids = [];
    for (const tenantId of [tenants.tenantA, tenants.tenantB]) {
      const id = await t.db.tenant(tenantId, (tx) =>
        enqueueEvent(tx, { type: "loan.updated", aggregateType: "loan", aggregateId: randomUUID() }),
      );
      ids.push(id);
    }
    // Drive both events to dead through the relay role, as a worker would.
    const claimed = await t.relay.claimEvents({ workerId: "test", batchSize: 10, leaseSeconds: 60 });
    for (const event of claimed) {
      await t.relay.failEvent(event, "test", "receiver down", { maxAttempts: 1, retryDelaySeconds: 1 });
    }
    const response = await api.app.request("/v1/events/dead", { headers: bearer(tokenA) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: { id: string; lastError: string }[] };
    expect(body.items.map((item) => item.id)).toEqual([ids[0]]);
    expect(body.items[0]?.lastError).toBe("receiver down");
  });
});
