import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  and,
  audits,
  eq,
  eventOutbox,
  importErrors,
  imports,
  loanCandidates,
  loanDatapoints,
  sql,
} from "@tapeline/db";
import {
  createTenant,
  createTenantPair,
  useTestDatabase,
} from "@tapeline/testing";
import { FileStorage } from "../storage/index.ts";
import { ImportNotFoundError } from "./errors.ts";
import { processImport, type ProcessImportOptions } from "./process-import.ts";
import { createImport, type CreateImportInput } from "./create-import.ts";

const dataDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../test-data/hmda-lar",
);

describe("processImport", () => {
  const t = useTestDatabase();
  let storageRoot: string;
  let storage: FileStorage;

  beforeAll(async () => {
    storageRoot = await mkdtemp(path.join(tmpdir(), "tapeline-imports-"));
    storage = new FileStorage(storageRoot);
  });

  afterAll(async () => {
    await rm(storageRoot, { recursive: true, force: true });
  });

  async function register(
    tenantId: string,
    input: Partial<CreateImportInput> & { content: Buffer },
  ): Promise<string> {
    const { importId } = await createImport(
      t.db,
      storage,
      tenantId,
      { fileName: "tape.txt", format: "hmda", ...input },
      "test",
    );
    return importId;
  }

  async function importFile(
    tenantId: string,
    fileName: string,
    options?: ProcessImportOptions,
  ) {
    const content = await readFile(path.join(dataDir, fileName));
    const importId = await register(tenantId, { fileName, content });
    const summary = await processImport(
      t.db,
      storage,
      tenantId,
      importId,
      options,
    );
    return { importId, summary, content };
  }

  /** ULIs of the well-formed loan rows of an HMDA file (record 2, 110 fields). */
  async function goodUlis(fileName: string): Promise<string[]> {
    const text = await readFile(path.join(dataDir, fileName), "utf8");
    return text
      .split("\n")
      .map((line) => line.split("|"))
      .filter((fields) => fields[0] === "2" && fields.length === 110)
      .map((fields) => fields[2] ?? "");
  }

  async function loanNumbers(tenantId: string): Promise<string[]> {
    const rows = await t.db.tenant(tenantId, (tx) =>
      tx
        .select({ loanNumber: loanCandidates.loanNumber })
        .from(loanCandidates)
        .where(eq(loanCandidates.tenantId, tenantId)),
    );
    return rows.map((row) => row.loanNumber).sort();
  }

  async function errorRows(tenantId: string, importId: string) {
    return t.db.tenant(tenantId, (tx) =>
      tx
        .select({
          rowNumber: importErrors.rowNumber,
          columnName: importErrors.columnName,
          value: importErrors.value,
          code: importErrors.code,
        })
        .from(importErrors)
        .where(
          and(
            eq(importErrors.tenantId, tenantId),
            eq(importErrors.importId, importId),
          ),
        )
        .orderBy(importErrors.rowNumber, importErrors.code),
    );
  }

  async function datapointsOf(tenantId: string, loanNumber: string) {
    const rows = await t.db.tenant(tenantId, (tx) =>
      tx
        .select({
          key: loanDatapoints.key,
          value: loanDatapoints.value,
          source: loanDatapoints.source,
          importId: loanDatapoints.importId,
          rowNumber: loanDatapoints.importRowNumber,
        })
        .from(loanDatapoints)
        .innerJoin(
          loanCandidates,
          and(
            eq(loanCandidates.tenantId, loanDatapoints.tenantId),
            eq(loanCandidates.id, loanDatapoints.loanId),
          ),
        )
        .where(
          and(
            eq(loanDatapoints.tenantId, tenantId),
            eq(loanCandidates.loanNumber, loanNumber),
          ),
        ),
    );
    return new Map(rows.map((row) => [row.key, row]));
  }

  async function tableCounts(tenantId: string) {
    return t.db.tenant(tenantId, async (tx) => {
      const count = async (
        table:
          | "loan_candidates"
          | "loan_datapoints"
          | "import_errors"
          | "audits"
          | "event_outbox",
      ) => {
        const [row] = await tx.execute<{ n: number }>(
          sql`select count(*)::int as n from ${sql.identifier(table)} where tenant_id = ${tenantId}`,
        );
        return row?.n ?? -1;
      };
      return {
        loans: await count("loan_candidates"),
        datapoints: await count("loan_datapoints"),
        errors: await count("import_errors"),
        audits: await count("audits"),
        events: await count("event_outbox"),
      };
    });
  }

  async function importRow(tenantId: string, importId: string) {
    const [row] = await t.db.tenant(tenantId, (tx) =>
      tx
        .select()
        .from(imports)
        .where(and(eq(imports.tenantId, tenantId), eq(imports.id, importId))),
    );
    if (!row) throw new Error(`import ${importId} not found`);
    return row;
  }

  it("imports the 1,000-row 2020 file cleanly", async () => {
    const tenant = await createTenant(t.system, "clean");
    const { importId, summary } = await importFile(
      tenant,
      "clean_file_1000_rows_Bank0_2020.txt",
    );

    expect(summary.status).toBe("completed");
    expect(summary.rowCount).toBe(1000);
    expect(summary.loanCount).toBe(1000);
    expect(summary.errorCount).toBe(0);
    expect(summary.attempts).toBe(1);
    expect(await loanNumbers(tenant)).toEqual(
      (await goodUlis("clean_file_1000_rows_Bank0_2020.txt")).sort(),
    );
    expect(await errorRows(tenant, importId)).toEqual([]);

    const counts = await tableCounts(tenant);
    expect(counts.datapoints).toBe(summary.datapointCount);
    expect(summary.datapointCount).toBeGreaterThan(10_000);
  });

  it("stores canonical values with tape lineage", async () => {
    const tenant = await createTenant(t.system, "values");
    const { importId } = await importFile(
      tenant,
      "clean_file_1000_rows_Bank0_2020.txt",
    );
    const points = await datapointsOf(tenant, "GHTA3VL3YM6OGQQ98USUVX");

    expect(points.get("loan_identifier")?.value).toBe("GHTA3VL3YM6OGQQ98USUVX");
    expect(points.get("loan_amount")?.value).toBe("72168.00");
    expect(points.get("loan_type")?.value).toBe("conventional");
    expect(points.get("loan_purpose")?.value).toBe("other");
    expect(points.get("occupancy")?.value).toBe("second_residence");
    expect(points.get("action_taken")?.value).toBe("purchased");
    expect(points.get("action_taken_date")?.value).toBe("2020-04-18");
    expect(points.get("state")?.value).toBe("TX");
    expect(points.get("county")?.value).toBe("48141");
    expect(points.get("loan_term_months")?.value).toBe("279");
    expect(points.get("lien_status")?.value).toBe("first_lien");
    // NA and the credit score sentinel 8888 mean "not reported": no datapoint.
    expect(points.has("application_date")).toBe(false);
    expect(points.has("interest_rate")).toBe(false);
    expect(points.has("credit_score")).toBe(false);
    for (const point of points.values()) {
      expect(point.source).toBe("tape");
      expect(point.importId).toBe(importId);
      expect(point.rowNumber).toBe(2);
    }
  });

  it("gives every tape datapoint its import and row", async () => {
    const tenant = await createTenant(t.system, "lineage");
    const { importId } = await importFile(tenant, "Bank1_clean_100_rows.txt");
    const [row] = await t.db.tenant(tenant, (tx) =>
      tx.execute<{
        total: number;
        without_lineage: number;
        min_row: number;
        max_row: number;
      }>(sql`
        select count(*)::int as total,
               count(*) filter (
                   where import_id is distinct from ${importId}::uuid
                      or import_row_number is null
                      or source <> 'tape'
               )::int as without_lineage,
               min(import_row_number) as min_row,
               max(import_row_number) as max_row
        from loan_datapoints
        where tenant_id = ${tenant}`),
    );

    expect(row?.total).toBeGreaterThan(0);
    expect(row?.without_lineage).toBe(0);
    expect(row?.min_row).toBe(2);
    expect(row?.max_row).toBe(101);
  });

  it("writes audits rows for every imported row", async () => {
    const tenant = await createTenant(t.system, "audits");
    const { summary } = await importFile(tenant, "Bank1_clean_5_rows.txt");
    const rows = await t.db.tenant(tenant, (tx) =>
      tx
        .select({ table: audits.tableName, n: sql<number>`count(*)::int` })
        .from(audits)
        .where(and(eq(audits.tenantId, tenant), eq(audits.action, "insert")))
        .groupBy(audits.tableName),
    );
    const byTable = new Map(rows.map((row) => [row.table, row.n]));

    expect(byTable.get("loan_candidates")).toBe(5);
    expect(byTable.get("loan_datapoints")).toBe(summary.datapointCount);
  });

  it.each([
    ["Bank1_clean_5_rows.txt", 5],
    ["Bank1_clean_100_rows.txt", 100],
  ])("imports the 2024-layout %s cleanly", async (fileName, loans) => {
    const tenant = await createTenant(t.system, "layout-2024");
    const { importId, summary } = await importFile(tenant, fileName);

    expect(summary.status).toBe("completed");
    expect(summary.loanCount).toBe(loans);
    expect(summary.errorCount).toBe(0);
    expect(await errorRows(tenant, importId)).toEqual([]);
    expect(await loanNumbers(tenant)).toEqual(
      (await goodUlis(fileName)).sort(),
    );
  });

  it("reads 2024-layout values", async () => {
    const tenant = await createTenant(t.system, "values-2024");
    await importFile(tenant, "Bank1_clean_5_rows.txt");
    const points = await datapointsOf(tenant, "GJQ7UN7SN3BZ416JTQTLXO");

    expect(points.get("loan_amount")?.value).toBe("122413.00");
    expect(points.get("loan_type")?.value).toBe("va");
    expect(points.get("loan_purpose")?.value).toBe("home_improvement");
    expect(points.get("application_date")?.value).toBe("2024-09-05");
    expect(points.get("state")?.value).toBe("MI");
    expect(points.get("census_tract")?.value).toBe("26163584200");
    expect(points.get("loan_term_months")?.value).toBe("106");
    expect(points.get("introductory_rate_period_months")?.value).toBe("5");
  });

  it("reports unknown record ids and keeps the other rows", async () => {
    const tenant = await createTenant(t.system, "parser");
    const fileName = "parser_file_10_rows_bank0.txt";
    const { importId, summary } = await importFile(tenant, fileName);

    expect(await errorRows(tenant, importId)).toEqual([
      {
        rowNumber: 1,
        columnName: "record_id",
        value: "A",
        code: "UNKNOWN_RECORD_TYPE",
      },
      {
        rowNumber: 2,
        columnName: "record_id",
        value: "A",
        code: "UNKNOWN_RECORD_TYPE",
      },
      {
        rowNumber: 8,
        columnName: "record_id",
        value: "A",
        code: "UNKNOWN_RECORD_TYPE",
      },
    ]);
    expect(summary.status).toBe("completed");
    expect(summary.loanCount).toBe(8);
    expect(summary.errorCount).toBe(3);
    expect(await loanNumbers(tenant)).toEqual(
      (await goodUlis(fileName)).sort(),
    );
  });

  it("reports a row with 111 fields and keeps the other rows", async () => {
    const tenant = await createTenant(t.system, "pipe");
    const fileName = "pipe_file_10_rows_bank0.txt";
    const { importId, summary } = await importFile(tenant, fileName);

    expect(await errorRows(tenant, importId)).toEqual([
      {
        rowNumber: 2,
        columnName: null,
        value: "111 fields",
        code: "WRONG_FIELD_COUNT",
      },
    ]);
    expect(summary.loanCount).toBe(9);
    expect(await loanNumbers(tenant)).toEqual(
      (await goodUlis(fileName)).sort(),
    );
  });

  it("reports bad values and keeps the rest of their rows", async () => {
    const tenant = await createTenant(t.system, "bad");
    const fileName = "bad_file_3_rows_bank0.txt";
    const { importId, summary } = await importFile(tenant, fileName);

    expect(await errorRows(tenant, importId)).toEqual([
      {
        rowNumber: 1,
        columnName: "calendar_quarter",
        value: "a",
        code: "INVALID_VALUE",
      },
      {
        rowNumber: 2,
        columnName: "loan_type",
        value: "na",
        code: "INVALID_VALUE",
      },
    ]);
    expect(summary.loanCount).toBe(2);
    expect(await loanNumbers(tenant)).toEqual(
      (await goodUlis(fileName)).sort(),
    );

    const points = await datapointsOf(
      tenant,
      "95GVQQ61RS6CWQF0SZD9F4VRXNN1OCVXHP1JURF9ZJS92",
    );
    expect(points.has("loan_type")).toBe(false);
    expect(points.get("loan_amount")?.value).toBe("570420.00");
    expect(points.get("loan_purpose")?.value).toBe("purchase");
  });

  it("names the fix in the error reason", async () => {
    const tenant = await createTenant(t.system, "reason");
    const { importId } = await importFile(tenant, "bad_file_3_rows_bank0.txt");
    const [row] = await t.db.tenant(tenant, (tx) =>
      tx
        .select({ reason: importErrors.reason })
        .from(importErrors)
        .where(
          and(
            eq(importErrors.tenantId, tenant),
            eq(importErrors.importId, importId),
            eq(importErrors.columnName, "loan_type"),
          ),
        ),
    );

    expect(row?.reason).toContain('Invalid value "na" for loan_type');
    expect(row?.reason).toContain("1 (conventional)");
    expect(row?.reason).toContain("write NA if it is not reported");
  });

  it("imports a CSV tape through its mapping", async () => {
    const tenant = await createTenant(t.system, "csv");
    const csv = [
      "Loan Number,Amount,Rate,Purpose,Lender,Ignored",
      'L-100,"$211,000",4%,Cash-Out Refinancing,Acme Bank,x',
      'L-101,abc,3.875,31,"Two\tTab \\ Bank",x',
      ",1000,4,purchase,Nobody,x",
      "L-103,1000,4",
      'L-104,250000,NA,1,"Multi',
      'line Lender",x',
      "L-105,99000,5.5,,Exempt,x",
    ].join("\n");
    const importId = await register(tenant, {
      fileName: "tape.csv",
      format: "csv",
      content: Buffer.from(csv),
      mapping: {
        "Loan Number": "loan_identifier",
        Amount: "loan_amount",
        Rate: "interest_rate",
        Purpose: "loan_purpose",
        Lender: "lender_name",
      },
    });
    const summary = await processImport(t.db, storage, tenant, importId);

    expect(summary.status).toBe("completed");
    expect(summary.rowCount).toBe(6);
    expect(await loanNumbers(tenant)).toEqual([
      "L-100",
      "L-101",
      "L-104",
      "L-105",
    ]);
    expect(await errorRows(tenant, importId)).toEqual([
      {
        rowNumber: 3,
        columnName: "Amount",
        value: "abc",
        code: "INVALID_VALUE",
      },
      {
        rowNumber: 4,
        columnName: "Loan Number",
        value: "",
        code: "MISSING_LOAN_IDENTIFIER",
      },
      {
        rowNumber: 5,
        columnName: null,
        value: "3 fields",
        code: "WRONG_FIELD_COUNT",
      },
    ]);

    const first = await datapointsOf(tenant, "L-100");
    expect(first.get("loan_amount")?.value).toBe("211000.00");
    expect(first.get("interest_rate")?.value).toBe("4.000");
    expect(first.get("loan_purpose")?.value).toBe("cash_out_refinancing");
    expect(first.get("loan_amount")?.rowNumber).toBe(2);

    const second = await datapointsOf(tenant, "L-101");
    expect(second.has("loan_amount")).toBe(false);
    expect(second.get("loan_purpose")?.value).toBe("refinancing");
    expect(second.get("lender_name")?.value).toBe("Two\tTab \\ Bank");

    const multiline = await datapointsOf(tenant, "L-104");
    expect(multiline.get("lender_name")?.value).toBe("Multi\nline Lender");
    expect(multiline.get("loan_identifier")?.rowNumber).toBe(6);
    expect(multiline.has("interest_rate")).toBe(false);

    const last = await datapointsOf(tenant, "L-105");
    expect(last.get("loan_identifier")?.rowNumber).toBe(8);
    expect(last.has("loan_purpose")).toBe(false);
    expect(last.has("lender_name")).toBe(false);
  });

  it("rejects a CSV upload without a mapping", async () => {
    const tenant = await createTenant(t.system, "csv-keys");
    const csv = "loan_identifier,loan_amount,state,unrelated\nK-1,1500,tx,z\n";

    await expect(
      register(tenant, { format: "csv", content: Buffer.from(csv) }),
    ).rejects.toMatchObject({ code: "MAPPING_REQUIRED" });
    expect(await tableCounts(tenant)).toMatchObject({ loans: 0 });
  });

  it("fails a CSV without a loan identifier column", async () => {
    const tenant = await createTenant(t.system, "csv-no-id");
    const importId = await register(tenant, {
      format: "csv",
      content: Buffer.from("Amount,Rate\n100,4\n"),
      mapping: { "Loan Number": "loan_identifier", Amount: "loan_amount" },
    });
    const summary = await processImport(t.db, storage, tenant, importId);

    expect(summary.status).toBe("failed");
    expect(await errorRows(tenant, importId)).toEqual([
      {
        rowNumber: 1,
        columnName: null,
        value: null,
        code: "MISSING_LOAN_IDENTIFIER_COLUMN",
      },
    ]);
    expect((await tableCounts(tenant)).loans).toBe(0);
  });

  it("changes nothing when run twice", async () => {
    const tenant = await createTenant(t.system, "twice");
    const { importId, summary } = await importFile(
      tenant,
      "Bank1_clean_100_rows.txt",
    );
    const before = await tableCounts(tenant);
    const again = await processImport(t.db, storage, tenant, importId);
    const after = await tableCounts(tenant);

    expect(again).toEqual(summary);
    expect(after).toEqual(before);
    expect(before.events).toBe(2);
  });

  it("leaves nothing behind when an attempt fails", async () => {
    const tenant = await createTenant(t.system, "rollback");
    const content = await readFile(
      path.join(dataDir, "clean_file_1000_rows_Bank0_2020.txt"),
    );
    const importId = await register(tenant, { content });
    let chunks = 0;
    const failing = processImport(t.db, storage, tenant, importId, {
      chunkRows: 100,
      onProgress: () => {
        chunks += 1;
        if (chunks === 3) throw new Error("injected failure after 300 rows");
      },
    });

    await expect(failing).rejects.toThrow("injected failure after 300 rows");
    const counts = await tableCounts(tenant);
    expect(counts.loans).toBe(0);
    expect(counts.datapoints).toBe(0);
    expect(counts.errors).toBe(0);
    const row = await importRow(tenant, importId);
    expect(row.status).toBe("pending");
    expect(row.attempts).toBe(1);
    expect(row.lastError).toBe("injected failure after 300 rows");

    const retried = await processImport(t.db, storage, tenant, importId);
    expect(retried.status).toBe("completed");
    expect(retried.loanCount).toBe(1000);
    expect(retried.attempts).toBe(2);
    expect(retried.lastError).toBeNull();
  });

  it("marks the import failed on the final attempt", async () => {
    const tenant = await createTenant(t.system, "final");
    const content = await readFile(
      path.join(dataDir, "Bank1_clean_5_rows.txt"),
    );
    const importId = await register(tenant, { content });
    const failing = processImport(t.db, storage, tenant, importId, {
      finalAttempt: true,
      onProgress: () => {
        throw new Error("injected failure");
      },
    });

    await expect(failing).rejects.toThrow("injected failure");
    const row = await importRow(tenant, importId);
    expect(row.status).toBe("failed");
    expect((await tableCounts(tenant)).loans).toBe(0);
    const events = await t.db.tenant(tenant, (tx) =>
      tx
        .select({ type: eventOutbox.type })
        .from(eventOutbox)
        .where(eq(eventOutbox.tenantId, tenant)),
    );
    expect(events.map((event) => event.type).sort()).toEqual([
      "import.created",
      "import.failed",
    ]);
  });

  it("fails an import whose stored file is missing", async () => {
    const tenant = await createTenant(t.system, "missing");
    const importId = await register(tenant, { content: Buffer.from("1|x\n") });
    const row = await importRow(tenant, importId);
    await rm(path.join(storageRoot, row.storageKey));
    const summary = await processImport(t.db, storage, tenant, importId);

    expect(summary.status).toBe("failed");
    expect(summary.attempts).toBe(1);
    expect(await errorRows(tenant, importId)).toEqual([
      { rowNumber: 1, columnName: null, value: null, code: "FILE_UNREADABLE" },
    ]);
  });

  it("fails an import whose stored file changed", async () => {
    const tenant = await createTenant(t.system, "changed");
    const content = await readFile(
      path.join(dataDir, "Bank1_clean_5_rows.txt"),
    );
    const importId = await register(tenant, { content });
    const row = await importRow(tenant, importId);
    await writeFile(
      path.join(storageRoot, row.storageKey),
      content.subarray(0, content.length - 10),
    );
    const summary = await processImport(t.db, storage, tenant, importId);

    expect(summary.status).toBe("failed");
    expect(row.lastError).toBeNull();
    expect((await importRow(tenant, importId)).lastError).toContain(
      "no longer matches the SHA-256",
    );
    expect((await tableCounts(tenant)).loans).toBe(0);
  });

  it("fails an import that is not UTF-8", async () => {
    const tenant = await createTenant(t.system, "binary");
    const content = Buffer.concat([
      Buffer.from("1|Bank\n2|"),
      Buffer.from([0xff, 0xfe, 0x00]),
    ]);
    const importId = await register(tenant, { content });
    const summary = await processImport(t.db, storage, tenant, importId);

    expect(summary.status).toBe("failed");
    expect(await errorRows(tenant, importId)).toEqual([
      { rowNumber: 2, columnName: null, value: null, code: "FILE_UNREADABLE" },
    ]);
  });

  it("hides tenant A's import from tenant B", async () => {
    const { tenantA, tenantB } = await createTenantPair(t.system);
    const { importId } = await importFile(tenantA, "bad_file_3_rows_bank0.txt");

    // No tenant_id filter here: row-level security alone must hide A's rows.
    const seenByB = await t.db.tenant(tenantB, async (tx) => ({
      imports: await tx.select().from(imports),
      loans: await tx.select().from(loanCandidates),
      datapoints: await tx.select().from(loanDatapoints),
      errors: await tx.select().from(importErrors),
      audits: await tx.select().from(audits),
    }));
    expect(seenByB).toEqual({
      imports: [],
      loans: [],
      datapoints: [],
      errors: [],
      audits: [],
    });
    await expect(
      processImport(t.db, storage, tenantB, importId),
    ).rejects.toThrow(ImportNotFoundError);
    expect((await tableCounts(tenantA)).loans).toBe(2);
  });
});
