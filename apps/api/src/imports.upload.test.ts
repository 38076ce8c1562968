import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventOutbox, importErrors, importMappings, imports, eq } from "@tapeline/db";
import { createTenantPair, useTestDatabase, type TenantPair } from "@tapeline/testing";
import { bearer, createTestApi, type TestApi } from "./test-support.ts";

// A two-line HMDA-shaped file: the API stores bytes and does not parse them.
const HMDA = "1|Bank0|2020|4|Example Bank\n2|B90YWS6AFX2LGWOXJ1LD|ULI0001|NA|1\n";
const CSV = "Loan ID,Amount,Rate\nL-1,211000,4.125\nL-2,150000,3.5\n";
const CSV_MAPPING = { "Loan ID": "loan_identifier", Amount: "loan_amount", Rate: "interest_rate" };
const UPLOAD_LIMIT = 4096;

interface ErrorBody {
  error: { code: string; message: string };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function streamOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      for (let offset = 0; offset < bytes.length; offset += 1000) {
        controller.enqueue(bytes.subarray(offset, offset + 1000));
      }
      controller.close();
    },
  });
}

describe("POST /v1/imports", () => {
  const t = useTestDatabase();
  let api: TestApi;

  beforeAll(async () => {
    api = await createTestApi(t.db, { maxUploadBytes: UPLOAD_LIMIT });
  });
  afterAll(() => api.cleanup());

  async function upload(tenantId: string, query: string, body: RequestInit["body"], headers = {}) {
    return api.app.request(`/v1/imports?${query}`, {
      method: "POST",
      body,
      headers: { ...bearer(await api.tokenFor(tenantId, "uploader@example.com")), ...headers },
      // Node requires duplex for a streamed request body.
      ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
    } as RequestInit);
  }

  async function importRowsOf(tenantId: string) {
    return t.db.tenant(tenantId, (tx) => tx.select().from(imports));
  }

  async function expectNothingStored(tenantId: string) {
    expect(await importRowsOf(tenantId)).toEqual([]);
    const events = await t.db.tenant(tenantId, (tx) => tx.select().from(eventOutbox));
    expect(events).toEqual([]);
    expect(await api.storedFiles()).toEqual([]);
  }

  it("stores an HMDA file as a pending import with its event", async () => {
    const { tenantA } = await createTenantPair(t.system);
    const response = await upload(tenantA, "format=hmda&fileName=lar.txt", HMDA, {
      "Content-Type": "text/plain",
    });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { importId: string; fileSha256: string; sizeBytes: number };
    expect(body.fileSha256).toBe(sha256(HMDA));
    expect(body.sizeBytes).toBe(Buffer.byteLength(HMDA));
    expect(response.headers.get("location")).toBe(`/v1/imports/${body.importId}`);

    const [row] = await importRowsOf(tenantA);
    expect(row).toMatchObject({
      id: body.importId,
      tenantId: tenantA,
      format: "hmda",
      fileName: "lar.txt",
      status: "pending",
      fileSha256: sha256(HMDA),
      fileSizeBytes: Buffer.byteLength(HMDA),
      createdBy: "uploader@example.com",
    });
    expect(await readFile(path.join(api.storageDir, row!.storageKey), "utf8")).toBe(HMDA);

    const events = await t.db.tenant(tenantA, (tx) => tx.select().from(eventOutbox));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "import.created",
      aggregateType: "import",
      aggregateId: body.importId,
      payload: { importId: body.importId },
      status: "pending",
    });
    const mappings = await t.db.tenant(tenantA, (tx) => tx.select().from(importMappings));
    expect(mappings).toEqual([]);
  });

  it("stores a CSV upload with its mapping rows", async () => {
    const { tenantA } = await createTenantPair(t.system);
    const mapping = encodeURIComponent(JSON.stringify(CSV_MAPPING));
    const response = await upload(tenantA, `format=csv&fileName=tape.csv&mapping=${mapping}`, CSV, {
      "Content-Type": "text/csv",
    });
    expect(response.status).toBe(202);
    const { importId } = (await response.json()) as { importId: string };

    const rows = await t.db.tenant(tenantA, (tx) =>
      tx.select().from(importMappings).where(eq(importMappings.importId, importId)),
    );
    const byPosition = rows.sort((a, b) => a.position - b.position);
    expect(byPosition.map((row) => [row.sourceColumn, row.fieldKey, row.position])).toEqual([
      ["Loan ID", "loan_identifier", 0],
      ["Amount", "loan_amount", 1],
      ["Rate", "interest_rate", 2],
    ]);
    const events = await t.db.tenant(tenantA, (tx) => tx.select().from(eventOutbox));
    expect(events.map((event) => event.aggregateId)).toEqual([importId]);
  });

  it("accepts a multipart upload", async () => {
    const { tenantA } = await createTenantPair(t.system);
    const form = new FormData();
    form.append("format", "csv");
    form.append("mapping", JSON.stringify(CSV_MAPPING));
    form.append("file", new Blob([CSV], { type: "text/csv" }), "multipart.csv");
    const response = await upload(tenantA, "", form);
    expect(response.status).toBe(202);
    const { importId } = (await response.json()) as { importId: string };

    const [row] = await importRowsOf(tenantA);
    expect(row).toMatchObject({ id: importId, fileName: "multipart.csv", format: "csv" });
    expect(await readFile(path.join(api.storageDir, row!.storageKey), "utf8")).toBe(CSV);
    const mappings = await t.db.tenant(tenantA, (tx) => tx.select().from(importMappings));
    expect(mappings).toHaveLength(3);
  });

  it("accepts a streamed raw body", async () => {
    const { tenantA } = await createTenantPair(t.system);
    const text = HMDA.repeat(30);
    const response = await upload(tenantA, "format=hmda&fileName=streamed.txt", streamOf(text));
    expect(response.status).toBe(202);
    const [row] = await importRowsOf(tenantA);
    expect(row?.fileSizeBytes).toBe(Buffer.byteLength(text));
    expect(row?.fileSha256).toBe(sha256(text));
  });

  it("treats a url-encoded body as the raw file", async () => {
    // `curl --data-binary @file` labels the body this way by default.
    const { tenantA } = await createTenantPair(t.system);
    const response = await upload(tenantA, "format=hmda&fileName=curl.txt", HMDA, {
      "Content-Type": "application/x-www-form-urlencoded",
    });
    expect(response.status).toBe(202);
    const [row] = await importRowsOf(tenantA);
    expect(row?.fileSha256).toBe(sha256(HMDA));
  });

  it("takes the tenant from the token, not a header or body", async () => {
    const { tenantA, tenantB } = await createTenantPair(t.system);
    const form = new FormData();
    form.append("tenant_id", tenantB);
    form.append("tenantId", tenantB);
    form.append("format", "hmda");
    form.append("file", new Blob([HMDA]), "lar.txt");
    const response = await upload(tenantA, `tenantId=${tenantB}&tenant_id=${tenantB}`, form, {
      "X-Tenant-Id": tenantB,
    });
    expect(response.status).toBe(202);
    const { importId } = (await response.json()) as { importId: string };

    const rowsOfA = await importRowsOf(tenantA);
    expect(rowsOfA.map((row) => row.id)).toEqual([importId]);
    expect(await importRowsOf(tenantB)).toEqual([]);
  });

  describe("rejections store nothing", () => {
    let tenantId: string;

    beforeAll(async () => {
      tenantId = (await createTenantPair(t.system)).tenantA;
      // Earlier tests stored files; these tests need an empty storage folder.
      await api.cleanup();
      api = await createTestApi(t.db, { maxUploadBytes: UPLOAD_LIMIT });
    });

    it("rejects an empty raw body", async () => {
      const response = await upload(tenantId, "format=hmda&fileName=empty.txt", "");
      expect(response.status).toBe(400);
      expect(((await response.json()) as ErrorBody).error.code).toBe("EMPTY_FILE");
      await expectNothingStored(tenantId);
    });

    it("rejects an empty multipart file", async () => {
      const form = new FormData();
      form.append("format", "hmda");
      form.append("file", new Blob([]), "empty.txt");
      const response = await upload(tenantId, "", form);
      expect(response.status).toBe(400);
      expect(((await response.json()) as ErrorBody).error.code).toBe("EMPTY_FILE");
      await expectNothingStored(tenantId);
    });

    it("rejects an oversized body by its Content-Length", async () => {
      const text = "x".repeat(UPLOAD_LIMIT + 1);
      const response = await upload(tenantId, "format=hmda&fileName=big.txt", text, {
        "Content-Length": String(text.length),
      });
      expect(response.status).toBe(413);
      const body = (await response.json()) as ErrorBody;
      expect(body.error.code).toBe("FILE_TOO_LARGE");
      expect(body.error.message).toContain(String(UPLOAD_LIMIT));
      await expectNothingStored(tenantId);
    });

    it("rejects an oversized streamed body", async () => {
      const response = await upload(
        tenantId,
        "format=hmda&fileName=big.txt",
        streamOf("y".repeat(UPLOAD_LIMIT * 3)),
      );
      expect(response.status).toBe(413);
      expect(((await response.json()) as ErrorBody).error.code).toBe("FILE_TOO_LARGE");
      await expectNothingStored(tenantId);
    });

    it("rejects an oversized multipart file", async () => {
      const form = new FormData();
      form.append("format", "hmda");
      form.append("file", new Blob(["z".repeat(UPLOAD_LIMIT + 10)]), "big.txt");
      const response = await upload(tenantId, "", form);
      expect(response.status).toBe(413);
      expect(((await response.json()) as ErrorBody).error.code).toBe("FILE_TOO_LARGE");
      await expectNothingStored(tenantId);
    });

    it("rejects a CSV upload without a mapping", async () => {
      const response = await upload(tenantId, "format=csv&fileName=tape.csv", CSV);
      expect(response.status).toBe(400);
      const body = (await response.json()) as ErrorBody;
      expect(body.error.code).toBe("MAPPING_REQUIRED");
      expect(body.error.message).toContain("loan_identifier");
      await expectNothingStored(tenantId);
    });

    it("rejects a mapping with an unknown field key", async () => {
      const mapping = encodeURIComponent(
        JSON.stringify({ "Loan ID": "loan_identifier", Amt: "loan_amount_usd" }),
      );
      const response = await upload(tenantId, `format=csv&fileName=t.csv&mapping=${mapping}`, CSV);
      expect(response.status).toBe(400);
      const body = (await response.json()) as ErrorBody;
      expect(body.error.code).toBe("UNKNOWN_FIELD_KEY");
      expect(body.error.message).toContain('"loan_amount_usd"');
      expect(body.error.message).toContain('"Amt"');
      await expectNothingStored(tenantId);
    });

    it("rejects a mapping without loan_identifier", async () => {
      const mapping = encodeURIComponent(JSON.stringify({ Amount: "loan_amount" }));
      const response = await upload(tenantId, `format=csv&fileName=t.csv&mapping=${mapping}`, CSV);
      expect(response.status).toBe(400);
      const body = (await response.json()) as ErrorBody;
      expect(body.error.code).toBe("MAPPING_REQUIRED");
      await expectNothingStored(tenantId);
    });

    it("rejects a field key mapped from two columns", async () => {
      const mapping = encodeURIComponent(
        JSON.stringify({ "Loan ID": "loan_identifier", ULI: "loan_identifier" }),
      );
      const response = await upload(tenantId, `format=csv&fileName=t.csv&mapping=${mapping}`, CSV);
      expect(response.status).toBe(400);
      const body = (await response.json()) as ErrorBody;
      expect(body.error.code).toBe("INVALID_MAPPING");
      expect(body.error.message).toContain("loan_identifier");
      await expectNothingStored(tenantId);
    });

    it("rejects reserved mapping column names", async () => {
      for (const column of ["__proto__", "constructor", "prototype"]) {
        const text = `{${JSON.stringify(column)}:"loan_amount","Loan ID":"loan_identifier"}`;
        const query = `format=csv&fileName=t.csv&mapping=${encodeURIComponent(text)}`;
        const response = await upload(tenantId, query, CSV);
        expect(response.status, column).toBe(400);
        const error = ((await response.json()) as ErrorBody).error;
        expect(error.code, column).toBe("INVALID_MAPPING");
        expect(error.message, column).toContain(JSON.stringify(column));
      }
      expect(({} as Record<string, unknown>).loan_amount).toBeUndefined();
      await expectNothingStored(tenantId);
    });

    it("rejects a mapping that is not JSON", async () => {
      const response = await upload(tenantId, "format=csv&fileName=t.csv&mapping=%7Bnope", CSV);
      expect(response.status).toBe(400);
      expect(((await response.json()) as ErrorBody).error.code).toBe("INVALID_MAPPING");
      await expectNothingStored(tenantId);
    });

    it("rejects a mapping on an HMDA upload", async () => {
      const mapping = encodeURIComponent(JSON.stringify({ "Loan ID": "loan_identifier" }));
      const response = await upload(tenantId, `format=hmda&fileName=l.txt&mapping=${mapping}`, HMDA);
      expect(response.status).toBe(400);
      expect(((await response.json()) as ErrorBody).error.code).toBe("INVALID_MAPPING");
      await expectNothingStored(tenantId);
    });

    it("rejects an unknown format", async () => {
      const response = await upload(tenantId, "format=xlsx&fileName=l.xlsx", HMDA);
      expect(response.status).toBe(400);
      const body = (await response.json()) as ErrorBody;
      expect(body.error.code).toBe("INVALID_PARAMETER");
      expect(body.error.message).toMatch(/^Invalid format/);
      await expectNothingStored(tenantId);
    });

    it("names a received format in upper case", async () => {
      const response = await upload(tenantId, "format=HMDA&fileName=l.txt", HMDA);
      expect(response.status).toBe(400);
      expect(((await response.json()) as ErrorBody).error.message).toContain('"HMDA"');
      await expectNothingStored(tenantId);
    });

    it("rejects a raw body without fileName", async () => {
      const response = await upload(tenantId, "format=hmda", HMDA);
      expect(response.status).toBe(400);
      expect(((await response.json()) as ErrorBody).error.message).toContain("fileName");
      await expectNothingStored(tenantId);
    });

    it("rejects multipart without a file part", async () => {
      const form = new FormData();
      form.append("format", "hmda");
      const response = await upload(tenantId, "", form);
      expect(response.status).toBe(400);
      expect(((await response.json()) as ErrorBody).error.code).toBe("INVALID_MULTIPART");
      await expectNothingStored(tenantId);
    });

    it("rejects a truncated multipart body", async () => {
      const boundary = "tapeline-test-boundary";
      const head =
        `--${boundary}\r\nContent-Disposition: form-data; name="format"\r\n\r\nhmda\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.txt"\r\n\r\n`;
      for (const body of [head + HMDA, head.slice(0, 60)]) {
        const response = await upload(tenantId, "", body, {
          "Content-Type": `multipart/form-data; boundary=${boundary}`,
        });
        expect(response.status).toBe(400);
        const error = ((await response.json()) as ErrorBody).error;
        expect(error.code).toBe("INVALID_MULTIPART");
        expect(error.message).toContain("ended early");
      }
      await expectNothingStored(tenantId);
    });

    it("logs an aborted upload at warn", async () => {
      const aborted = (contentType: string, first: string) =>
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(first));
          },
          pull(controller) {
            controller.error(new Error("aborted"));
          },
        });
      const boundary = "tapeline-abort-boundary";
      const multipartHead =
        `--${boundary}\r\nContent-Disposition: form-data; name="format"\r\n\r\nhmda\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n` +
        HMDA;
      const cases = [
        { query: "format=hmda&fileName=a.txt", type: "application/octet-stream", first: HMDA },
        { query: "", type: `multipart/form-data; boundary=${boundary}`, first: multipartHead },
      ];
      for (const { query, type, first } of cases) {
        const logged = api.logLines.length;
        const response = await upload(tenantId, query, aborted(type, first), { "Content-Type": type });
        expect(response.status).toBe(400);
        expect(((await response.json()) as ErrorBody).error.code).toBe("REQUEST_ABORTED");
        const lines = api.logLines.slice(logged).map((line) => JSON.parse(line) as { level: number; msg: string });
        expect(lines.filter((line) => line.level >= 50)).toEqual([]);
        expect(lines.find((line) => line.level === 40)?.msg).toBe("request aborted by the client");
      }
      await expectNothingStored(tenantId);
    });

    it("names the upload limit setting in a 413", async () => {
      const response = await upload(
        tenantId,
        "format=hmda&fileName=big.txt",
        streamOf("y".repeat(UPLOAD_LIMIT * 3)),
      );
      expect(response.status).toBe(413);
      const message = ((await response.json()) as ErrorBody).error.message;
      expect(message).toContain("TAPELINE_MAX_UPLOAD_BYTES");
      expect(message).toContain(String(UPLOAD_LIMIT));
    });

    it("rejects multipart whose mapping follows the file", async () => {
      const form = new FormData();
      form.append("format", "csv");
      form.append("file", new Blob([CSV]), "late.csv");
      form.append("mapping", JSON.stringify(CSV_MAPPING));
      const response = await upload(tenantId, "", form);
      expect(response.status).toBe(400);
      const body = (await response.json()) as ErrorBody;
      expect(body.error.code).toBe("MAPPING_REQUIRED");
      expect(body.error.message).toContain("before the file part");
      await expectNothingStored(tenantId);
    });

    it("rejects a tenant that does not exist and removes the file", async () => {
      const missing = randomUUID();
      const response = await upload(missing, "format=hmda&fileName=l.txt", HMDA);
      expect(response.status).toBe(403);
      expect(((await response.json()) as ErrorBody).error.code).toBe("TENANT_NOT_FOUND");
      expect(await api.storedFiles()).toEqual([]);
      expect(await readdir(api.storageDir)).not.toContain(missing);
    });
  });
});

describe("GET /v1/imports/{importId}", () => {
  const t = useTestDatabase();
  let api: TestApi;
  let tenants: TenantPair;
  let importId: string;

  beforeAll(async () => {
    api = await createTestApi(t.db);
    tenants = await createTenantPair(t.system);
    const mapping = encodeURIComponent(JSON.stringify(CSV_MAPPING));
    const response = await api.app.request(`/v1/imports?format=csv&fileName=t.csv&mapping=${mapping}`, {
      method: "POST",
      body: CSV,
      headers: bearer(await api.tokenFor(tenants.tenantA)),
    });
    importId = ((await response.json()) as { importId: string }).importId;
    // Error rows as the worker would write them, out of row order.
    await t.db.tenant(tenants.tenantA, (tx) =>
      tx.insert(importErrors).values(
        [7, 3, 3, 9, 1].map((rowNumber, index) => ({
          tenantId: tenants.tenantA,
          importId,
          rowNumber,
          columnName: "Rate",
          value: `bad-${index}`,
          code: "UNPARSEABLE_VALUE",
          reason: "not a percentage",
        })),
      ),
    );
  });
  afterAll(() => api.cleanup());

  async function get(tenantId: string, url: string) {
    return api.app.request(url, { headers: bearer(await api.tokenFor(tenantId)) });
  }

  it("shows a pending import with its mapping", async () => {
    const response = await get(tenants.tenantA, `/v1/imports/${importId}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      id: importId,
      format: "csv",
      fileName: "t.csv",
      status: "pending",
      counts: { rows: null, loans: null, datapoints: null, errors: null },
      attempts: 0,
      mapping: [
        { sourceColumn: "Loan ID", fieldKey: "loan_identifier" },
        { sourceColumn: "Amount", fieldKey: "loan_amount" },
        { sourceColumn: "Rate", fieldKey: "interest_rate" },
      ],
      createdBy: "user@example.com",
      startedAt: null,
    });
  });

  it("pages through error rows in row order", async () => {
    const seen: number[] = [];
    const ids = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `&errorsCursor=${encodeURIComponent(cursor)}` : "";
      const response = await get(tenants.tenantA, `/v1/imports/${importId}?errorsLimit=2${query}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        errors: { items: { id: string; rowNumber: number }[]; nextCursor: string | null };
      };
      expect(body.errors.items.length).toBeLessThanOrEqual(2);
      for (const item of body.errors.items) {
        seen.push(item.rowNumber);
        ids.add(item.id);
      }
      cursor = body.errors.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual([1, 3, 3, 7, 9]);
    expect(ids.size).toBe(5);
    expect(pages).toBe(3);
  });

  it("rejects a malformed importId naming it", async () => {
    const response = await get(tenants.tenantA, "/v1/imports/not-a-uuid");
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe("INVALID_ID");
    expect(body.error.message).toMatch(/^Invalid importId/);
  });

  it("rejects an out-of-range errorsLimit", async () => {
    const response = await get(tenants.tenantA, `/v1/imports/${importId}?errorsLimit=201`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe("INVALID_PARAMETER");
    expect(body.error.message).toMatch(/^Invalid errorsLimit/);
  });

  it("rejects a forged errorsCursor", async () => {
    const forged = Buffer.from(JSON.stringify({ k: "import_errors.row_number", v: ["1; drop", "x"] }))
      .toString("base64url");
    const response = await get(tenants.tenantA, `/v1/imports/${importId}?errorsCursor=${forged}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.code).toBe("INVALID_CURSOR");
  });

  it("answers another tenant's import like a missing one", async () => {
    const foreign = await get(tenants.tenantB, `/v1/imports/${importId}`);
    const missingId = randomUUID();
    const missing = await get(tenants.tenantB, `/v1/imports/${missingId}`);
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    const foreignBody = (await foreign.json()) as ErrorBody;
    const missingBody = (await missing.json()) as ErrorBody;
    expect(foreignBody.error.message.replace(importId, "<id>")).toBe(
      missingBody.error.message.replace(missingId, "<id>"),
    );
    expect(foreignBody.error.code).toBe("IMPORT_NOT_FOUND");
    expect(missingBody.error.code).toBe("IMPORT_NOT_FOUND");
    expect([...foreign.headers.keys()].sort()).toEqual([...missing.headers.keys()].sort());
  });
});
