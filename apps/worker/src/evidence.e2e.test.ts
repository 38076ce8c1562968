// End to end through the API and the worker: tapes and the real CFPB Loan
// Estimate go in through HTTP, the worker claims the outbox events, and
// the tests read the results back through HTTP and from the database.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestApi, type TestApi } from "@tapeline/api/test-support";
import {
  and,
  audits,
  createLogger,
  eq,
  eventOutbox,
  loanCandidates,
  loanDatapoints,
  loanDocuments,
} from "@tapeline/db";
import {
  buildPdf,
  closingDisclosurePage,
  imageFromPng,
  readSample,
} from "@tapeline/extraction/test-support";
import { createTenantPair, useTestDatabase } from "@tapeline/testing";
import { startWorker, type RunningWorker } from "./worker.ts";

const LOAN_NUMBER = "123456789";

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
const MAPPING = JSON.stringify({
  "Loan Number": "loan_identifier",
  "Loan Amount": "loan_amount",
  "Interest Rate": "interest_rate",
  "Loan Term": "loan_term_months",
});

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("evidence end to end", () => {
  const t = useTestDatabase();
  let api: TestApi;
  let worker: RunningWorker;
  let tenantA: string;
  let tenantB: string;
  let estimate: Uint8Array;

  beforeAll(async () => {
    ({ tenantA, tenantB } = await createTenantPair(t.system));
    api = await createTestApi(t.db, { maxUploadBytes: 1_000_000 });
    const logger = createLogger("evidence-e2e");
    logger.level = "silent";
    worker = startWorker({
      relayUrl: t.relayUrl,
      appUrl: t.appUrl,
      storageRoot: api.storageDir,
      logger,
      pollIntervalMs: 50,
    });
    estimate = await readSample("adjustable_rate_loan_estimate.pdf");
  });

  afterAll(async () => {
    await worker?.stop();
    await api?.cleanup();
  });

  async function request(tenantId: string, path: string, init: RequestInit = {}) {
    const headers = { ...bearer(await api.tokenFor(tenantId, `reviewer@${tenantId.slice(0, 4)}`)) };
    return api.app.request(path, { ...init, headers: { ...headers, ...init.headers } });
  }

  async function postJson(tenantId: string, path: string, body: unknown) {
    return request(tenantId, path, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "Content-Type": "application/json" },
    });
  }

  /** Imports a one-row CSV tape through the API and waits until the worker has evaluated it. */
  async function importTape(tenantId: string, loanNumber: string, rate: string) {
    const csv = `Loan Number,Loan Amount,Interest Rate,Loan Term\n${loanNumber},211000,${rate},360\n`;
    const query = new URLSearchParams({ format: "csv", fileName: "tape.csv", mapping: MAPPING });
    const response = await request(tenantId, `/v1/imports?${query}`, {
      method: "POST",
      body: csv,
      headers: { "Content-Type": "text/csv" },
    });
    expect(response.status).toBe(202);
    const { importId } = (await response.json()) as { importId: string };
    await waitForEvent(tenantId, "import.completed", importId);
    return importId;
  }

  /**
   * Waits until an event of `type` naming `id` is in the outbox, and done
   * when `handled`. document.extracted has no handler, so it stays pending.
   */
  async function waitForEvent(tenantId: string, type: string, id: string, handled = true) {
    const rows = await waitFor(
      () =>
        t.db.tenant(tenantId, (tx) =>
          tx
            .select({ status: eventOutbox.status, payload: eventOutbox.payload })
            .from(eventOutbox)
            .where(and(eq(eventOutbox.tenantId, tenantId), eq(eventOutbox.type, type))),
        ),
      (found) =>
        found.some(
          (row) =>
            (!handled || row.status === "done") && JSON.stringify(row.payload).includes(id),
        ),
    );
    const matching = rows.filter((row) => JSON.stringify(row.payload).includes(id));
    expect(matching.length).toBeGreaterThan(0);
    if (handled) expect(matching.map((row) => row.status)).toContain("done");
  }

  async function loanIdOf(tenantId: string, loanNumber: string) {
    const [loan] = await t.db.tenant(tenantId, (tx) =>
      tx
        .select({ id: loanCandidates.id })
        .from(loanCandidates)
        .where(and(eq(loanCandidates.tenantId, tenantId), eq(loanCandidates.loanNumber, loanNumber))),
    );
    if (!loan) throw new Error(`loan ${loanNumber} was not imported`);
    return loan.id;
  }

  async function upload(tenantId: string, loanId: string, bytes: Uint8Array, fileName: string) {
    return request(tenantId, `/v1/loans/${loanId}/documents?fileName=${fileName}`, {
      method: "POST",
      body: bytes,
      headers: { "Content-Type": "application/pdf" },
    });
  }

  async function uploadAndExtract(tenantId: string, loanId: string, bytes: Uint8Array, name: string) {
    const response = await upload(tenantId, loanId, bytes, name);
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    await waitForEvent(tenantId, "document.extracted", id, false);
    const detail = await request(tenantId, `/v1/documents/${id}`);
    expect(detail.status).toBe(200);
    return (await detail.json()) as {
      id: string;
      status: string;
      documentType: string;
      pageCount: number;
      datapoints: { key: string; value: string; page: number; confidence: number;
        extractorVersion: string; promptVersion: string | null; evidenceTextHash: string;
        evidenceText: string | null }[];
    };
  }

  async function conflictsOf(tenantId: string, loanId: string, status = "") {
    const response = await request(tenantId, `/v1/loans/${loanId}/conflicts${status && `?status=${status}`}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { items: Record<string, string>[] }).items;
  }

  let loanA: string;
  let documentA: string;

  it("extracts the Loan Estimate with lineage", async () => {
    await importTape(tenantA, LOAN_NUMBER, "4.25");
    loanA = await loanIdOf(tenantA, LOAN_NUMBER);
    const document = await uploadAndExtract(tenantA, loanA, estimate, "estimate.pdf");
    documentA = document.id;

    expect(document.status).toBe("extracted");
    expect(document.documentType).toBe("loan_estimate");
    expect(document.pageCount).toBe(3);
    const byKey = new Map(document.datapoints.map((point) => [point.key, point]));
    expect(byKey.get("loan_amount")).toMatchObject({ value: "211000.00", page: 1 });
    expect(byKey.get("interest_rate")).toMatchObject({ value: "4.000", page: 1 });
    expect(byKey.get("loan_term_months")).toMatchObject({ value: "360", page: 1 });
    expect(byKey.get("loan_identifier")?.value).toBe(LOAN_NUMBER);
    for (const point of document.datapoints) {
      expect(point.extractorVersion).toBe("rules-2026.12.0");
      expect(point.promptVersion).toBeNull();
      expect(point.evidenceTextHash).toMatch(/^[0-9a-f]{64}$/);
      expect(point.evidenceText).not.toBeNull();
      expect(sha256(point.evidenceText!)).toBe(point.evidenceTextHash);
    }
  });

  it("returns the rate's evidence text in the loan's lineage", async () => {
    const response = await request(tenantA, `/v1/loans/${loanA}`);
    expect(response.status).toBe(200);
    const loan = (await response.json()) as {
      datapoints: {
        key: string;
        value: string;
        lineage: {
          source: string;
          confidence: number | null;
          evidence: { documentId: string; page: number | null; textHash: string | null; text: string | null } | null;
          extractor: { version: string | null } | null;
        };
      }[];
    };
    const rate = loan.datapoints.find(
      (point) => point.key === "interest_rate" && point.lineage.source === "extraction",
    );
    expect(rate?.value).toBe("4.000");
    const evidence = rate!.lineage.evidence!;
    expect(evidence).toMatchObject({ documentId: documentA, page: 1 });
    // The Loan Estimate prints the rate as "4%"; the dictionary form is 4.000.
    expect(evidence.text).toContain("Interest Rate");
    expect(evidence.text).toMatch(/\b4%/);
    expect(sha256(evidence.text!)).toBe(evidence.textHash);
    expect(rate!.lineage.confidence).toBeGreaterThan(0);
    expect(rate!.lineage.extractor?.version).toBe("rules-2026.12.0");

    const [stored] = await t.db.tenant(tenantA, (tx) =>
      tx
        .select({ hash: loanDatapoints.evidenceTextHash })
        .from(loanDatapoints)
        .where(
          and(
            eq(loanDatapoints.tenantId, tenantA),
            eq(loanDatapoints.evidenceDocId, documentA),
            eq(loanDatapoints.key, "interest_rate"),
          ),
        ),
    );
    expect(stored?.hash).toBe(sha256(evidence.text!));
  });

  it("stores complete lineage for every extracted row", async () => {
    const rows = await t.db.tenant(tenantA, (tx) =>
      tx
        .select()
        .from(loanDatapoints)
        .where(and(eq(loanDatapoints.tenantId, tenantA), eq(loanDatapoints.evidenceDocId, documentA))),
    );
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const row of rows) {
      expect(row.source).toBe("extraction");
      expect(row.loanId).toBe(loanA);
      expect(Number(row.confidence)).toBeGreaterThan(0);
      expect(Number(row.confidence)).toBeLessThanOrEqual(1);
      expect(row.evidencePage).toBeGreaterThanOrEqual(1);
      expect(row.evidencePage).toBeLessThanOrEqual(3);
      expect(row.evidenceTextHash).toMatch(/^[0-9a-f]{64}$/);
      expect(sha256(row.evidenceText ?? "")).toBe(row.evidenceTextHash);
      expect(row.extractorKind).toBe("deterministic");
      expect(row.extractorVersion).toBe("rules-2026.12.0");
      expect(row.promptVersion).toBeNull();
    }
  });

  it("opens one conflict for a different tape rate", async () => {
    const open = await conflictsOf(tenantA, loanA, "open");
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      key: "interest_rate",
      kind: "tape_document",
      leftValue: "4.250",
      rightValue: "4.000",
    });
  });

  it("opens no conflict for the right rate", async () => {
    await importTape(tenantB, LOAN_NUMBER, "4");
    const loanB = await loanIdOf(tenantB, LOAN_NUMBER);
    await uploadAndExtract(tenantB, loanB, estimate, "estimate.pdf");
    expect(await conflictsOf(tenantB, loanB)).toHaveLength(0);
  });

  it("recognises the same file uploaded twice", async () => {
    const before = await api.storedFiles();
    const response = await upload(tenantA, loanA, estimate, "again.pdf");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { id: string; duplicate: boolean };
    expect(body.duplicate).toBe(true);
    expect(body.id).toBe(documentA);
    expect(await api.storedFiles()).toEqual(before);
  });

  it("rejects bad files and stores nothing", async () => {
    const before = await api.storedFiles();
    const cases: [Uint8Array, number, string][] = [
      [new TextEncoder().encode("Loan Number,Amount\n1,2\n"), 400, "NOT_A_PDF"],
      [new Uint8Array(), 400, "PDF_EMPTY"],
      [new Uint8Array(1_000_001).fill(37), 413, "PDF_TOO_LARGE"],
    ];
    for (const [bytes, status, code] of cases) {
      const response = await upload(tenantA, loanA, bytes, "bad.pdf");
      expect(response.status).toBe(status);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    expect(await api.storedFiles()).toEqual(before);
    const documents = await request(tenantA, `/v1/loans/${loanA}/documents`);
    expect(((await documents.json()) as { items: unknown[] }).items).toHaveLength(1);
  });

  it("marks a scan needs_ocr with no datapoints", async () => {
    const scan = buildPdf([{ image: imageFromPng(await readSample("loan-estimate-H24B-1.png")) }]);
    const document = await uploadAndExtract(tenantA, loanA, scan, "scan.pdf");
    expect(document.status).toBe("needs_ocr");
    expect(document.datapoints).toHaveLength(0);
  });

  it("records Loan Estimate against Closing Disclosure", async () => {
    const disclosure = buildPdf([closingDisclosurePage()]);
    await uploadAndExtract(tenantA, loanA, disclosure, "closing-disclosure.pdf");
    const open = await conflictsOf(tenantA, loanA, "open");
    const kinds = open.map((conflict) => `${conflict.kind}:${conflict.key}`).sort();
    // The synthetic disclosure carries the H25B loan's values (162,000 at
    // 3.875%), so it differs from the adjustable-rate estimate.
    expect(kinds).toContain("document_document:loan_amount");
    expect(kinds).toContain("document_document:interest_rate");
    expect(open.filter((conflict) => conflict.kind === "tape_document").length).toBeGreaterThanOrEqual(1);
  });

  it("resolves a conflict with an audited reason", async () => {
    const [conflict] = (await conflictsOf(tenantA, loanA, "open")).filter(
      (row) => row.kind === "tape_document" && row.key === "interest_rate",
    );
    if (!conflict) throw new Error("no open interest_rate conflict");
    const missing = await postJson(tenantA, `/v1/conflicts/${conflict.id}/resolve`, { reason: " " });
    expect(missing.status).toBe(400);

    const response = await postJson(tenantA, `/v1/conflicts/${conflict.id}/resolve`, {
      reason: "The note shows 4%.",
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "resolved", resolutionReason: "The note shows 4%." });
    const again = await postJson(tenantA, `/v1/conflicts/${conflict.id}/waive`, { reason: "late" });
    expect(again.status).toBe(409);

    const trail = await t.db.tenant(tenantA, (tx) =>
      tx
        .select({ actor: audits.actor, action: audits.action })
        .from(audits)
        .where(and(eq(audits.tenantId, tenantA), eq(audits.rowId, conflict.id as string))),
    );
    expect(trail.map((row) => row.action).sort()).toEqual(["insert", "update"]);
    expect(trail.find((row) => row.action === "update")?.actor).toContain("reviewer@");
  });

  it("resolves a conflict when a later tape agrees", async () => {
    const loanNumber = "LATER-1";
    await importTape(tenantB, loanNumber, "4.5");
    const loanId = await loanIdOf(tenantB, loanNumber);
    await uploadAndExtract(tenantB, loanId, estimate, "estimate.pdf");
    expect(await conflictsOf(tenantB, loanId, "open")).toHaveLength(1);

    await importTape(tenantB, loanNumber, "4.000");
    expect(await conflictsOf(tenantB, loanId, "open")).toHaveLength(0);
    const resolved = await conflictsOf(tenantB, loanId, "resolved");
    expect(resolved).toHaveLength(1);
    expect(resolved[0]?.resolutionReason).toBe("The values now agree.");
  });

  it("keeps tenants apart on every evidence route", async () => {
    const otherLoan = await upload(tenantB, loanA, estimate, "intruder.pdf");
    expect(otherLoan.status).toBe(404);
    expect((await request(tenantB, `/v1/documents/${documentA}`)).status).toBe(404);
    expect((await request(tenantB, `/v1/loans/${loanA}/documents`)).status).toBe(404);
    expect(await conflictsOf(tenantB, loanA)).toHaveLength(0);
    const defects = await request(tenantB, `/v1/loans/${loanA}/defects`);
    expect(((await defects.json()) as { items: unknown[] }).items).toHaveLength(0);

    const [conflict] = await conflictsOf(tenantA, loanA, "open");
    if (!conflict) throw new Error("tenant A has no open conflict");
    const waive = await postJson(tenantB, `/v1/conflicts/${conflict.id}/waive`, { reason: "not mine" });
    expect(waive.status).toBe(404);

    const documentsOfB = await t.db.tenant(tenantB, (tx) => tx.select().from(loanDocuments));
    expect(documentsOfB.every((row) => row.tenantId === tenantB)).toBe(true);
  });
});
