// backfillExtractorVersions on a database that predates the lineage CHECK.
// This file's test database drops the constraint (as admin) and tenants
// write extraction rows without a version. The backfill must fix exactly
// the deterministic ones, per tenant and under row-level security, and a
// second run must find nothing to do.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BackfillFailedError,
  backfillExtractorVersions,
  sha256Hex,
  sql,
  type TenantBackfill,
} from "@tapeline/db";
import { openTestConnection, type TestConnection } from "@tapeline/db/testing";
import { useTestDatabase } from "./database.ts";
import { TableFixtures } from "./fixtures-by-table.ts";
import { createTenantPair } from "./fixtures.ts";
import { insertRowSql, type ColumnValues } from "./row-sql.ts";

const VERSION = "rules-backfill-1";
const LINEAGE_CHECK = "loan_datapoints_extraction_lineage";

const t = useTestDatabase();
let admin: TestConnection;
let fixtures: TableFixtures;
let tenantA: string;
let tenantB: string;
let lineageCheck: string;
const idsA: Record<"legacy1" | "legacy2" | "legacy3" | "versioned" | "model" | "tape", string> = {
  legacy1: "",
  legacy2: "",
  legacy3: "",
  versioned: "",
  model: "",
  tape: "",
};

async function insertDatapoint(tenantId: string, values: ColumnValues): Promise<string> {
  const rows = await t.db.tenant(tenantId, (tx) =>
    tx.execute<{ row: ColumnValues }>(insertRowSql("loan_datapoints", { tenant_id: tenantId, ...values })),
  );
  return rows[0]!.row.id as string;
}

async function legacyExtraction(tenantId: string, overrides: ColumnValues = {}): Promise<string> {
  const document = await fixtures.insert(tenantId, "loan_documents");
  return insertDatapoint(tenantId, {
    loan_id: document.loan_id,
    key: `loan_amount_${randomUUID().slice(0, 8)}`,
    source: "extraction",
    value: "250000",
    confidence: 0.9,
    evidence_doc_id: document.id,
    evidence_page: 1,
    evidence_text_hash: sha256Hex("Loan Amount $250,000"),
    ...overrides,
  });
}

const readVersions = async (ids: string[]) => {
  const rows = await admin.execute<{ id: string; extractor_version: string | null; extractor_kind: string | null }>(sql`
    select id, extractor_version, extractor_kind::text as extractor_kind
    from loan_datapoints where id = any (${`{${ids.join(",")}}`}::uuid[])`);
  return Object.fromEntries(rows.map((row) => [row.id, [row.extractor_kind, row.extractor_version]]));
};

const byTenant = (results: TenantBackfill[], tenantId: string) =>
  results.find((result) => result.tenantId === tenantId);

beforeAll(async () => {
  admin = openTestConnection(t.adminUrl);
  fixtures = new TableFixtures(t.db);
  ({ tenantA, tenantB } = await createTenantPair(t.system));

  const definition = await admin.execute<{ definition: string }>(sql`
    select pg_get_constraintdef(oid) as definition from pg_constraint
    where conname = ${LINEAGE_CHECK}`);
  lineageCheck = definition[0]!.definition;
  await admin.execute(sql.raw(`alter table loan_datapoints drop constraint ${LINEAGE_CHECK}`));

  idsA.legacy1 = await legacyExtraction(tenantA);
  idsA.legacy2 = await legacyExtraction(tenantA, { extractor_kind: "deterministic" });
  idsA.legacy3 = await legacyExtraction(tenantA);
  idsA.versioned = await legacyExtraction(tenantA, { extractor_kind: "deterministic", extractor_version: "rules-old" });
  idsA.model = await legacyExtraction(tenantA, { extractor_kind: "model", prompt_version: "prompt-1" });
  const loan = await fixtures.insert(tenantA, "loan_candidates");
  const tape = await fixtures.insert(tenantA, "imports");
  idsA.tape = await insertDatapoint(tenantA, {
    loan_id: loan.id,
    key: "loan_amount",
    source: "tape",
    value: "1",
    import_id: tape.id,
    import_row_number: 1,
  });
  await legacyExtraction(tenantB);
  await legacyExtraction(tenantB);
});

afterAll(async () => {
  await admin?.close();
});

describe("backfillExtractorVersions", () => {
  let firstRun: TenantBackfill[];

  beforeAll(async () => {
    firstRun = await backfillExtractorVersions({ db: t.db, system: t.system, version: VERSION, batchSize: 2 });
  });

  it("counts each tenant's rows before and after", () => {
    expect(byTenant(firstRun, tenantA)).toMatchObject({ missingBefore: 4, updated: 3, missingAfter: 1, modelRows: 1 });
    expect(byTenant(firstRun, tenantB)).toMatchObject({ missingBefore: 2, updated: 2, missingAfter: 0, modelRows: 0 });
  });

  it("sets the version on deterministic rows only", async () => {
    expect(await readVersions(Object.values(idsA))).toEqual({
      [idsA.legacy1]: ["deterministic", VERSION],
      [idsA.legacy2]: ["deterministic", VERSION],
      [idsA.legacy3]: ["deterministic", VERSION],
      [idsA.versioned]: ["deterministic", "rules-old"],
      [idsA.model]: ["model", null],
      [idsA.tape]: [null, null],
    });
  });

  it("audits each change under its actor", async () => {
    const rows = await t.db.tenant(tenantA, (tx) =>
      tx.execute<{ count: number }>(sql`
        select count(*)::int as count from audits
        where table_name = 'loan_datapoints' and action = 'update'
          and actor = 'db:backfill-versions'`),
    );
    expect(rows[0]!.count).toBe(3);
  });

  it("changes nothing on a second run", async () => {
    const secondRun = await backfillExtractorVersions({ db: t.db, system: t.system, version: "rules-other" });
    expect(byTenant(secondRun, tenantA)).toMatchObject({ missingBefore: 1, updated: 0, missingAfter: 1 });
    expect(byTenant(secondRun, tenantB)).toMatchObject({ missingBefore: 0, updated: 0, missingAfter: 0 });
    expect((await readVersions([idsA.legacy1]))[idsA.legacy1]).toEqual(["deterministic", VERSION]);
  });

  it("leaves rows the lineage CHECK accepts", async () => {
    await admin.execute(sql`delete from loan_datapoints where id = ${idsA.model}`);
    await admin.execute(
      sql.raw(`alter table loan_datapoints add constraint ${LINEAGE_CHECK} ${lineageCheck}`),
    );
    const restored = await admin.execute<{ validated: boolean }>(sql`
      select convalidated as validated from pg_constraint where conname = ${LINEAGE_CHECK}`);
    expect(restored[0]!.validated).toBe(true);
  });

  it("names the tenant when a row cannot be fixed", async () => {
    await admin.execute(sql.raw(`alter table loan_datapoints drop constraint ${LINEAGE_CHECK}`));
    await legacyExtraction(tenantB, { confidence: null });
    await admin.execute(
      sql.raw(`alter table loan_datapoints add constraint ${LINEAGE_CHECK} ${lineageCheck} not valid`),
    );

    const error = await backfillExtractorVersions({ db: t.db, system: t.system, version: VERSION }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(BackfillFailedError);
    expect((error as BackfillFailedError).context.tenantId).toBe(tenantB);
    expect((error as Error).message).toContain(`violates check constraint "${LINEAGE_CHECK}"`);
  });
});
