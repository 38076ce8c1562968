// Lineage on loan_datapoints: insertDatapoints fills every lineage column,
// and the database's CHECK constraints reject rows that lack them even when
// they are written with raw SQL, past the write path.
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  InvalidDatapointError,
  SqlState,
  eq,
  insertDatapoints,
  loanDatapoints,
  readDatabaseEnv,
  sql,
  type NewDatapoint,
} from "@tapeline/db";
import { useTestDatabase } from "./database.ts";
import { TableFixtures } from "./fixtures-by-table.ts";
import { createTenantPair } from "./fixtures.ts";
import { insertRowSql, type ColumnValues } from "./row-sql.ts";
import { captureSqlError } from "./sql-errors.ts";

const t = useTestDatabase();
let tenantId: string;
let fixtures: TableFixtures;
let loanId: string;
let documentId: string;
let importId: string;

const EVIDENCE = "Loan Amount   $250,000.00";
const evidenceHash = createHash("sha256").update(EVIDENCE, "utf8").digest("hex");

beforeAll(async () => {
  ({ tenantA: tenantId } = await createTenantPair(t.system));
  fixtures = new TableFixtures(t.db);
  const document = await fixtures.insert(tenantId, "loan_documents");
  loanId = document.loan_id as string;
  documentId = document.id as string;
  importId = (await fixtures.insert(tenantId, "imports")).id as string;
});

const readDatapoint = (id: string) =>
  t.db.tenant(tenantId, async (tx) => {
    const rows = await tx.select().from(loanDatapoints).where(eq(loanDatapoints.id, id));
    return rows[0]!;
  });

const countDatapoints = () =>
  t.db.tenant(tenantId, async (tx) => {
    const rows = await tx.execute<{ count: number }>(
      sql`select count(*)::int as count from loan_datapoints`,
    );
    return rows[0]!.count;
  });

const extraction = (overrides: Partial<NewDatapoint> = {}): NewDatapoint =>
  ({
    source: "extraction",
    loanId,
    key: "loan_amount",
    value: "250000",
    valueNumber: 250000,
    confidence: 0.97,
    evidenceDocId: documentId,
    evidencePage: 2,
    evidenceText: EVIDENCE,
    ...overrides,
  }) as NewDatapoint;

describe("insertDatapoints", () => {
  it("fills every lineage field of an extraction row", async () => {
    const [id] = await t.db.tenant(tenantId, (tx) => insertDatapoints(tx, [extraction()]));
    const row = await readDatapoint(id!);

    expect(row.tenantId).toBe(tenantId);
    expect(row.loanId).toBe(loanId);
    expect(row.key).toBe("loan_amount");
    expect(row.source).toBe("extraction");
    expect(row.value).toBe("250000");
    expect(row.valueNumber).toBe("250000");
    expect(row.confidence).toBe("0.9700");
    expect(row.evidenceDocId).toBe(documentId);
    expect(row.evidencePage).toBe(2);
    expect(row.evidenceTextHash).toBe(evidenceHash);
    expect(row.evidenceText).toBe(EVIDENCE);
    expect(row.extractorKind).toBe("deterministic");
    expect(row.extractorVersion).toBe(readDatabaseEnv().currentExtractorVersion);
    expect(row.promptVersion).toBeNull();
    expect(row.importId).toBeNull();
    expect(row.importRowNumber).toBeNull();
    expect(row.createdAt).toBeInstanceOf(Date);
  });

  it("stores a model extractor's versions", async () => {
    const [id] = await t.db.tenant(tenantId, (tx) =>
      insertDatapoints(tx, [
        extraction({
          key: "interest_rate",
          value: "6.125",
          extractorKind: "model",
          extractorVersion: "model-2026-10",
          promptVersion: "closing-disclosure-v3",
        }),
      ]),
    );
    const row = await readDatapoint(id!);
    expect(row.extractorKind).toBe("model");
    expect(row.extractorVersion).toBe("model-2026-10");
    expect(row.promptVersion).toBe("closing-disclosure-v3");
  });

  it("uses the configured default extractor version", async () => {
    const [id] = await t.db.tenant(tenantId, (tx) =>
      insertDatapoints(tx, [extraction({ key: "loan_term" })], {
        defaultExtractorVersion: "rules-test-9",
      }),
    );
    expect((await readDatapoint(id!)).extractorVersion).toBe("rules-test-9");
  });

  it("records a tape row's import and row number", async () => {
    const [id] = await t.db.tenant(tenantId, (tx) =>
      insertDatapoints(tx, [
        { source: "tape", loanId, key: "loan_amount", value: "250000", importId, importRowNumber: 7 },
      ]),
    );
    const row = await readDatapoint(id!);
    expect(row.importId).toBe(importId);
    expect(row.importRowNumber).toBe(7);
    expect(row.confidence).toBeNull();
    expect(row.extractorKind).toBeNull();
  });

  it("records the actor on a manual row", async () => {
    const [id] = await t.db.tenant(
      tenantId,
      (tx) => insertDatapoints(tx, [{ source: "manual", loanId, key: "property_state", value: "CA" }]),
      { actor: "reviewer@example.com" },
    );
    expect((await readDatapoint(id!)).createdBy).toBe("reviewer@example.com");
  });

  it("inserts large batches in order", async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => ({
      source: "tape" as const,
      loanId,
      key: `field_${i}`,
      value: String(i),
      importId,
      importRowNumber: i + 1,
    }));
    const ids = await t.db.tenant(tenantId, (tx) => insertDatapoints(tx, rows));
    expect(ids).toHaveLength(2500);
    expect((await readDatapoint(ids[2499]!)).key).toBe("field_2499");
  });

  describe("rejects before writing", () => {
    const invalid: [string, () => NewDatapoint, RegExp][] = [
      [
        "model row without prompt version",
        () => extraction({ extractorKind: "model", extractorVersion: "m-1" }),
        /promptVersion: required when extractorKind is "model"/,
      ],
      [
        "model row without model version",
        () => extraction({ extractorKind: "model", promptVersion: "p-1" }),
        /extractorVersion: required for a model-based extractor/,
      ],
      [
        "deterministic row with a prompt",
        () => extraction({ promptVersion: "p-1" } as Partial<NewDatapoint>),
        /promptVersion: only a model-based extractor has a prompt/,
      ],
      ["confidence above 1", () => extraction({ confidence: 1.5 }), /confidence/],
      ["page 0", () => extraction({ evidencePage: 0 }), /evidencePage/],
      ["empty evidence text", () => extraction({ evidenceText: "" }), /evidenceText/],
      ["malformed loan id", () => extraction({ loanId: "loan-1" }), /loanId/],
      [
        "tape row without row number",
        () => ({ source: "tape", loanId, key: "k", value: "v", importId }) as unknown as NewDatapoint,
        /importRowNumber/,
      ],
      [
        "tape row with extraction fields",
        () =>
          ({ source: "tape", loanId, key: "k", value: "v", importId, importRowNumber: 1, confidence: 1 }) as NewDatapoint,
        /confidence/,
      ],
    ];

    it.each(invalid)("%s", async (_name, buildRow, message) => {
      const before = await countDatapoints();
      const rows = [extraction({ key: "good_row" }), buildRow()];
      const error = await t.db
        .tenant(tenantId, (tx) => insertDatapoints(tx, rows))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidDatapointError);
      expect((error as InvalidDatapointError).code).toBe("INVALID_DATAPOINT");
      expect((error as Error).message).toMatch(/^Invalid datapoint at rows\[1\]: /);
      expect((error as Error).message).toMatch(message);
      expect(await countDatapoints()).toBe(before);
    });

    it("manual row without an actor", async () => {
      const error = await t.db
        .tenant(tenantId, (tx) => insertDatapoints(tx, [{ source: "manual", loanId, key: "k", value: "v" }]))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidDatapointError);
      expect((error as Error).message).toMatch(/pass \{ actor \} to db.tenant\(\)/);
    });
  });
});

describe("lineage constraints", () => {
  const validExtraction = (): ColumnValues => ({
    tenant_id: tenantId,
    loan_id: loanId,
    key: `raw_${Math.random().toString(36).slice(2)}`,
    source: "extraction",
    value: "250000",
    confidence: 0.9,
    evidence_doc_id: documentId,
    evidence_page: 1,
    evidence_text_hash: evidenceHash,
    extractor_kind: "deterministic",
    extractor_version: "rules-raw",
  });

  const insertRaw = (values: ColumnValues) =>
    t.db.tenant(tenantId, (tx) => tx.execute(insertRowSql("loan_datapoints", values)));

  it("accepts a complete extraction row", async () => {
    const rows = await insertRaw(validExtraction());
    expect(rows).toHaveLength(1);
  });

  it("accepts evidence text whose UTF-8 SHA-256 is the stored hash", async () => {
    const text = "Taux d’intérêt 4,125 % — page 1";
    const hash = createHash("sha256").update(text, "utf8").digest("hex");
    const rows = await insertRaw({ ...validExtraction(), evidence_text: text, evidence_text_hash: hash });
    expect(rows).toHaveLength(1);
  });

  const rejected: [string, () => ColumnValues, string][] = [
    ["extraction without confidence", () => ({ ...validExtraction(), confidence: null }), "loan_datapoints_extraction_lineage"],
    ["extraction without evidence document", () => ({ ...validExtraction(), evidence_doc_id: null }), "loan_datapoints_extraction_lineage"],
    ["extraction without evidence page", () => ({ ...validExtraction(), evidence_page: null }), "loan_datapoints_extraction_lineage"],
    ["extraction without evidence hash", () => ({ ...validExtraction(), evidence_text_hash: null }), "loan_datapoints_extraction_lineage"],
    ["extraction without extractor version", () => ({ ...validExtraction(), extractor_version: null }), "loan_datapoints_extraction_lineage"],
    ["extraction without extractor kind", () => ({ ...validExtraction(), extractor_kind: null }), "loan_datapoints_extraction_lineage"],
    ["model extraction without prompt version", () => ({ ...validExtraction(), extractor_kind: "model" }), "loan_datapoints_prompt_version_model_only"],
    ["deterministic extraction with a prompt", () => ({ ...validExtraction(), prompt_version: "p-1" }), "loan_datapoints_prompt_version_model_only"],
    ["confidence above 1", () => ({ ...validExtraction(), confidence: 1.5 }), "loan_datapoints_confidence_range"],
    ["page 0", () => ({ ...validExtraction(), evidence_page: 0 }), "loan_datapoints_evidence_page_positive"],
    ["evidence hash not hex", () => ({ ...validExtraction(), evidence_text_hash: "abc" }), "loan_datapoints_evidence_hash_hex"],
    ["evidence text that does not match its hash", () => ({ ...validExtraction(), evidence_text: `${EVIDENCE}.` }), "loan_datapoints_evidence_text_matches_hash"],
    ["tape row without import", () => ({ tenant_id: tenantId, loan_id: loanId, key: "k1", source: "tape", value: "1", import_row_number: 3 }), "loan_datapoints_tape_lineage"],
    ["tape row without row number", () => ({ tenant_id: tenantId, loan_id: loanId, key: "k2", source: "tape", value: "1", import_id: importId }), "loan_datapoints_tape_lineage"],
    ["manual row without author", () => ({ tenant_id: tenantId, loan_id: loanId, key: "k3", source: "manual", value: "1" }), "loan_datapoints_manual_lineage"],
  ];

  it.each(rejected)("rejects %s", async (_name, values, constraint) => {
    const error = await captureSqlError(insertRaw(values()));
    expect(error.code).toBe(SqlState.checkViolation);
    expect(error.constraint).toBe(constraint);
  });
});
