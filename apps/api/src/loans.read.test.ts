import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imports, loanCandidates, loanDatapoints, loanDocuments } from "@tapeline/db";
import { createTenantPair, useTestDatabase, type TenantPair } from "@tapeline/testing";
import { bearer, createTestApi, type TestApi } from "./test-support.ts";

interface ErrorBody {
  error: { code: string; message: string };
}

interface LoanPage {
  items: { id: string; loanNumber: string; createdAt: string }[];
  nextCursor: string | null;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("GET /v1/loans", () => {
  const t = useTestDatabase();
  let api: TestApi;
  let tenants: TenantPair;
  const loanIdsOfA = new Set<string>();

  beforeAll(async () => {
    api = await createTestApi(t.db);
    tenants = await createTenantPair(t.system);
    const { tenantA, tenantB } = tenants;
    // 25 loans in one transaction share created_at, so the id breaks ties;
    // 5 more come one transaction each.
    const batch = await t.db.tenant(tenantA, (tx) =>
      tx
        .insert(loanCandidates)
        .values(Array.from({ length: 25 }, (_, i) => ({ tenantId: tenantA, loanNumber: `A-${String(i).padStart(3, "0")}` })))
        .returning({ id: loanCandidates.id }),
    );
    for (const row of batch) loanIdsOfA.add(row.id);
    for (let i = 25; i < 30; i++) {
      const [row] = await t.db.tenant(tenantA, (tx) =>
        tx.insert(loanCandidates).values({ tenantId: tenantA, loanNumber: `A-${i}` }).returning({ id: loanCandidates.id }),
      );
      loanIdsOfA.add(row!.id);
    }
    await t.db.tenant(tenantB, (tx) =>
      tx.insert(loanCandidates).values([
        { tenantId: tenantB, loanNumber: "B-1" },
        { tenantId: tenantB, loanNumber: "B-2" },
      ]),
    );
  });
  afterAll(() => api.cleanup());

  async function get(tenantId: string, url: string) {
    return api.app.request(url, { headers: bearer(await api.tokenFor(tenantId)) });
  }

  async function walk(tenantId: string, query: string) {
    const ids: string[] = [];
    const numbers: string[] = [];
    const createdAt: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const after: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const response = await get(tenantId, `/v1/loans?${query}${after}`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as LoanPage;
      ids.push(...page.items.map((item) => item.id));
      numbers.push(...page.items.map((item) => item.loanNumber));
      createdAt.push(...page.items.map((item) => item.createdAt));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 50);
    return { ids, numbers, createdAt, pages };
  }

  it("walks every page by created_at without duplicates", async () => {
    const { ids, createdAt, pages } = await walk(tenants.tenantA, "limit=7");
    expect(ids).toHaveLength(30);
    expect(createdAt).toEqual([...createdAt].sort());
    expect(new Set(ids).size).toBe(30);
    expect(new Set(ids)).toEqual(loanIdsOfA);
    expect(pages).toBe(5);
  });

  it("walks every page by loan_number in order", async () => {
    const { ids, numbers, pages } = await walk(tenants.tenantA, "limit=4&sort=loan_number");
    expect(new Set(ids)).toEqual(loanIdsOfA);
    expect(ids).toHaveLength(30);
    expect(numbers).toEqual([...numbers].sort());
    expect(pages).toBe(8);
  });

  it("ends on a page that fills the limit exactly", async () => {
    const { ids, pages } = await walk(tenants.tenantA, "limit=10");
    expect(ids).toHaveLength(30);
    expect(pages).toBe(3);
  });

  it("shows each tenant only its own loans", async () => {
    const { numbers } = await walk(tenants.tenantB, "limit=200");
    expect(numbers.sort()).toEqual(["B-1", "B-2"]);
  });

  it("rejects a limit above 200 naming the parameter", async () => {
    const response = await get(tenants.tenantA, "/v1/loans?limit=201");
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe("INVALID_PARAMETER");
    expect(body.error.message).toMatch(/^Invalid limit/);
  });

  it("rejects a zero or fractional limit", async () => {
    for (const limit of ["0", "2.5", "ten"]) {
      const response = await get(tenants.tenantA, `/v1/loans?limit=${limit}`);
      expect(response.status, `limit=${limit}`).toBe(400);
    }
  });

  it("rejects a limit not in plain decimal", async () => {
    for (const limit of ["1e2", "0x10", "%2B5", "%205", "5.0"]) {
      const response = await get(tenants.tenantA, `/v1/loans?limit=${limit}`);
      expect(response.status, `limit=${limit}`).toBe(400);
      const message = ((await response.json()) as ErrorBody).error.message;
      expect(message, `limit=${limit}`).toContain(JSON.stringify(decodeURIComponent(limit)));
    }
  });

  it("rejects an unknown sort", async () => {
    const response = await get(tenants.tenantA, "/v1/loans?sort=amount");
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.message).toMatch(/^Invalid sort/);
  });

  it("rejects a malformed cursor", async () => {
    const response = await get(tenants.tenantA, "/v1/loans?cursor=bm90LWEtY3Vyc29y");
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.code).toBe("INVALID_CURSOR");
  });

  it("rejects a cursor made for another sort", async () => {
    const first = await get(tenants.tenantA, "/v1/loans?limit=2&sort=loan_number");
    const { nextCursor } = (await first.json()) as LoanPage;
    const response = await get(tenants.tenantA, `/v1/loans?limit=2&cursor=${nextCursor}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.code).toBe("INVALID_CURSOR");
  });

  it("rejects a cursor whose timestamp is not one", async () => {
    const forged = Buffer.from(
      JSON.stringify({ k: "loans.created_at", v: ["yesterday", randomUUID()] }),
    ).toString("base64url");
    const response = await get(tenants.tenantA, `/v1/loans?cursor=${forged}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.code).toBe("INVALID_CURSOR");
  });
});

describe("GET /v1/loans/{loanId}", () => {
  const t = useTestDatabase();
  let api: TestApi;
  let tenants: TenantPair;
  let loanId: string;
  let importId: string;
  let documentId: string;

  beforeAll(async () => {
    api = await createTestApi(t.db);
    tenants = await createTenantPair(t.system);
    const { tenantA } = tenants;
    await t.db.tenant(
      tenantA,
      async (tx) => {
        const [loan] = await tx
          .insert(loanCandidates)
          .values({ tenantId: tenantA, loanNumber: "ULI-LINEAGE-1" })
          .returning();
        loanId = loan!.id;
        const [tape] = await tx
          .insert(imports)
          .values({
            tenantId: tenantA,
            format: "hmda",
            fileName: "lar.txt",
            fileSha256: sha256("lar"),
            fileSizeBytes: 3,
            storageKey: `${tenantA}/tapes/${randomUUID()}`,
            status: "completed",
            createdBy: "uploader@example.com",
          })
          .returning();
        importId = tape!.id;
        const [document] = await tx
          .insert(loanDocuments)
          .values({
            tenantId: tenantA,
            loanId,
            fileName: "loan-estimate.pdf",
            contentSha256: sha256("pdf"),
            sizeBytes: 1024,
            pageCount: 3,
            storageKey: `${tenantA}/documents/${randomUUID()}`,
            createdBy: "uploader@example.com",
          })
          .returning();
        documentId = document!.id;
        await tx.insert(loanDatapoints).values([
          {
            tenantId: tenantA,
            loanId,
            key: "loan_amount",
            source: "tape",
            value: "211000.00",
            valueNumber: "211000.00",
            importId,
            importRowNumber: 2,
          },
          {
            tenantId: tenantA,
            loanId,
            key: "interest_rate",
            source: "extraction",
            value: "4.125",
            valueNumber: "4.125",
            confidence: "0.9500",
            evidenceDocId: documentId,
            evidencePage: 1,
            evidenceTextHash: sha256("Interest Rate 4.125%"),
            evidenceText: "Interest Rate 4.125%",
            extractorKind: "model",
            extractorVersion: "llm-2026.1",
            promptVersion: "loan-estimate-v3",
          },
          {
            tenantId: tenantA,
            loanId,
            key: "state",
            source: "manual",
            value: "TX",
            createdBy: "reviewer@example.com",
          },
        ]);
      },
      { actor: "seed@example.com" },
    );
  });
  afterAll(() => api.cleanup());

  async function get(tenantId: string, url: string) {
    return api.app.request(url, { headers: bearer(await api.tokenFor(tenantId)) });
  }

  it("shows each datapoint with its lineage", async () => {
    const response = await get(tenants.tenantA, `/v1/loans/${loanId}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      id: string;
      loanNumber: string;
      datapoints: { key: string; value: string; lineage: Record<string, unknown> }[];
    };
    expect(body.id).toBe(loanId);
    expect(body.loanNumber).toBe("ULI-LINEAGE-1");
    expect(body.datapoints.map((datapoint) => datapoint.key)).toEqual([
      "interest_rate",
      "loan_amount",
      "state",
    ]);
    const [rate, amount, state] = body.datapoints;

    expect(rate).toMatchObject({ value: "4.125", valueNumber: "4.125" });
    expect(rate!.lineage).toMatchObject({
      source: "extraction",
      confidence: 0.95,
      evidence: {
        documentId,
        fileName: "loan-estimate.pdf",
        page: 1,
        textHash: sha256("Interest Rate 4.125%"),
        text: "Interest Rate 4.125%",
      },
      extractor: { kind: "model", version: "llm-2026.1", promptVersion: "loan-estimate-v3" },
      import: null,
    });
    expect(typeof rate!.lineage.createdAt).toBe("string");

    expect(amount).toMatchObject({ value: "211000.00" });
    expect(amount!.lineage).toMatchObject({
      source: "tape",
      confidence: null,
      evidence: null,
      extractor: null,
      import: { importId, rowNumber: 2 },
    });

    expect(state!.lineage).toMatchObject({
      source: "manual",
      createdBy: "reviewer@example.com",
      evidence: null,
      import: null,
    });
  });

  it("accepts the id in upper case", async () => {
    const response = await get(tenants.tenantA, `/v1/loans/${loanId.toUpperCase()}`);
    expect(response.status).toBe(200);
  });

  it("rejects a malformed loanId naming it", async () => {
    for (const bad of ["123", "not-a-uuid", `${randomUUID()}x`, "'; select 1 --"]) {
      const response = await get(tenants.tenantA, `/v1/loans/${encodeURIComponent(bad)}`);
      expect(response.status, bad).toBe(400);
      const body = (await response.json()) as ErrorBody;
      expect(body.error.code).toBe("INVALID_ID");
      expect(body.error.message).toMatch(/^Invalid loanId/);
    }
  });

  it("answers another tenant's loan like a missing one", async () => {
    const foreign = await get(tenants.tenantB, `/v1/loans/${loanId}`);
    const missingId = randomUUID();
    const missing = await get(tenants.tenantB, `/v1/loans/${missingId}`);
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    const foreignBody = (await foreign.json()) as ErrorBody;
    const missingBody = (await missing.json()) as ErrorBody;
    expect(foreignBody.error.code).toBe("LOAN_NOT_FOUND");
    expect(foreignBody.error.code).toBe(missingBody.error.code);
    expect(foreignBody.error.message.replace(loanId, "<id>")).toBe(
      missingBody.error.message.replace(missingId, "<id>"),
    );
    expect([...foreign.headers.keys()].sort()).toEqual([...missing.headers.keys()].sort());
  });
});

describe("GET /openapi.json", () => {
  const t = useTestDatabase();

  it("lists every route of the app", async () => {
    const api = await createTestApi(t.db);
    const response = await api.app.request("/openapi.json");
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(document.openapi).toBe("3.1.0");

    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const served = api.app.routes
      .filter((route) => route.method !== "ALL")
      .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`);
    expect(new Set(documented)).toEqual(new Set(served));
    expect(documented.sort()).toEqual([
      "DELETE /v1/webhooks/{webhookId}",
      "GET /healthz",
      "GET /openapi.json",
      "GET /v1/documents/{documentId}",
      "GET /v1/events/dead",
      "GET /v1/imports/{importId}",
      "GET /v1/loans",
      "GET /v1/loans/{loanId}",
      "GET /v1/loans/{loanId}/conflicts",
      "GET /v1/loans/{loanId}/defects",
      "GET /v1/loans/{loanId}/documents",
      "GET /v1/qc-rules",
      "GET /v1/webhooks",
      "POST /v1/conflicts/{conflictId}/resolve",
      "POST /v1/conflicts/{conflictId}/waive",
      "POST /v1/imports",
      "POST /v1/loans/{loanId}/documents",
      "POST /v1/qc-rules",
      "POST /v1/qc-rules/{ruleId}/retire",
      "POST /v1/webhooks",
    ]);
    expect(document.components.securitySchemes).toHaveProperty("bearerAuth");
    await api.cleanup();
  });
});
