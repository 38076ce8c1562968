import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_EXTRACTOR_VERSION } from "../env.ts";
import { loanCandidates, qcRules } from "../schema/index.ts";
import { connectApp, type AppDatabase } from "../tenant.ts";
import { APP_ROLE, withCredentials } from "../urls.ts";
import { dropDatabase } from "../admin.ts";
import type { UpgradeReport } from "./report.ts";
import { createUpgradedDatabase } from "./upgraded-database.ts";
import { diffSchemaCatalogs } from "./schema-catalog.ts";
import { GLOBAL_TENANT_ID } from "./tables.ts";
import {
  createLegacyDatabase,
  createScratchDatabase,
  fingerprintData,
  readCatalog,
  testServer,
  upgrade,
  withAdmin,
  type ScratchDatabase,
} from "./test-support.ts";

// 150 loans: every anomaly of legacy/fixture.sql occurs at least once.
const LOANS = 150;

const unknownTenant = "9a7b4e5a-1cb6-4c36-b5e9-5c8f7b5a0a2f";

describe("legacy upgrade", () => {
  let legacy: ScratchDatabase;
  let fresh: ScratchDatabase;
  let dryRun: UpgradeReport;
  let report: UpgradeReport;
  let app: AppDatabase;

  beforeAll(async () => {
    legacy = await createLegacyDatabase(LOANS);
    fresh = await createScratchDatabase("fresh", testServer().templateDatabase);
  });

  afterAll(async () => {
    await app?.close();
    await legacy?.drop();
    await fresh?.drop();
  });

  it("dry run changes nothing", async () => {
    const catalogBefore = await readCatalog(legacy.adminUrl);
    const dataBefore = await withAdmin(legacy.adminUrl, async (sql) =>
      sql`select count(*)::int as loans, md5(string_agg(l::text, ',' order by id)) as digest
          from loan_candidates l`);

    dryRun = await upgrade(legacy.adminUrl, { dryRun: true });

    expect(dryRun.dryRun).toBe(true);
    expect(dryRun.stepsRun).toEqual([]);
    expect(diffSchemaCatalogs(catalogBefore, await readCatalog(legacy.adminUrl))).toEqual([]);
    const dataAfter = await withAdmin(legacy.adminUrl, async (sql) =>
      sql`select count(*)::int as loans, md5(string_agg(l::text, ',' order by id)) as digest
          from loan_candidates l`);
    expect(dataAfter).toEqual(dataBefore);
    const state = await withAdmin(legacy.adminUrl, (sql) =>
      sql`select to_regnamespace('tapeline_upgrade') as schema`);
    expect(state[0]?.schema).toBeNull();
  });

  it("dry run lists concurrent steps without running them", () => {
    const concurrent = dryRun.pendingSteps.filter((step) => step.kind === "concurrent");
    expect(concurrent.map((step) => step.name)).toContain("build_index:loan_datapoints_pkey_next");
    expect(concurrent.map((step) => step.name)).toContain("validate:loan_datapoints");
  });

  it("balances every table", async () => {
    report = await upgrade(legacy.adminUrl);

    expect(report.phaseCompleted).toBe("switch");
    for (const table of report.tables) {
      expect(table.rowsAfter + table.rowsQuarantined, table.table).toBe(
        table.rowsBefore + table.rowsCreated,
      );
      expect(table.rowsWrittenDuringUpgrade, table.table).toBe(0);
    }
    expect(report.balanced).toBe(true);
  });

  it("matches the dry run's projection", () => {
    const project = (r: UpgradeReport) =>
      r.tables.map((table) => ({
        table: table.table,
        after: table.rowsAfter,
        quarantined: table.quarantinedByReason,
        backfilled: table.backfilledByColumn,
      }));
    expect(project(report)).toEqual(project(dryRun));
  });

  it("quarantines each kind of bad row", () => {
    const reasons = Object.fromEntries(
      report.tables.map((table) => [table.table, table.quarantinedByReason]),
    );
    expect(reasons.loan_candidates).toEqual({ tenant_missing: 1, duplicate_loan_number: 2 });
    expect(reasons.imports).toEqual({ tenant_missing: 2, tenant_unknown: 1 });
    expect(Object.keys(reasons.loan_datapoints ?? {}).sort()).toEqual([
      "check_violation",
      "cross_tenant_parent",
      "duplicate_key",
      "parent_missing",
      "parent_quarantined",
    ]);
    expect(reasons.loan_conflicts?.cross_tenant_parent).toBeGreaterThan(0);
    expect(reasons.qc_defects?.parent_missing).toBeGreaterThan(0);
    expect(reasons.audits?.tenant_missing).toBeGreaterThan(0);
    expect(reasons.audits?.tenant_unknown).toBe(3);
    expect(reasons.event_outbox).toEqual({ tenant_missing: 3, tenant_unknown: 2 });
  });

  it("stores the report and the quarantined rows", async () => {
    const stored = await withAdmin(legacy.adminUrl, (sql) =>
      sql<{ table_name: string; rows_quarantined: string; balanced: boolean }[]>`
        select table_name, rows_quarantined, balanced from tapeline_upgrade.report`);
    expect(stored).toHaveLength(report.tables.length);
    expect(stored.every((row) => row.balanced)).toBe(true);
    const duplicate = await withAdmin(legacy.adminUrl, (sql) =>
      sql<{ loan_number: string; detail: string }[]>`
        select row ->> 'loan_number' as loan_number, detail from quarantine.rows
        where table_name = 'loan_candidates' and reason = 'duplicate_loan_number'
        order by row_id`);
    expect(duplicate.map((row) => row.loan_number).sort()).toEqual(["LN-00000053", "LN-00000106"]);
    expect(duplicate[0]?.detail).toMatch(/^kept loan_candidates [0-9a-f-]{36}$/);
    const repointed = await withAdmin(legacy.adminUrl, (sql) =>
      sql<{ rows: number }[]>`select count(*)::int as rows from tapeline_upgrade.repointed`);
    const reported = report.tables.reduce((total, table) => total + (table.backfilledByColumn.loan_id ?? 0), 0);
    expect(reported).toBeGreaterThan(0);
    expect(repointed[0]?.rows).toBe(reported);
  });

  it("equals a freshly migrated schema", async () => {
    const expected = await readCatalog(fresh.adminUrl);
    const actual = await readCatalog(legacy.adminUrl);
    expect(expected.policies?.length).toBeGreaterThan(40);
    expect(diffSchemaCatalogs(expected, actual)).toEqual([]);
  });

  it("records the migrations as drizzle does", async () => {
    const query = "select hash, created_at from drizzle.__drizzle_migrations order by created_at";
    const expected = await withAdmin(fresh.adminUrl, (sql) => sql.unsafe(query));
    const actual = await withAdmin(legacy.adminUrl, (sql) => sql.unsafe(query));
    expect(actual).toEqual(expected);
  });

  it("backfills extractor versions and tenants", async () => {
    const [row] = await withAdmin(legacy.adminUrl, (sql) => sql<
      { missing: number; current: number; kinds: string[]; orphans: number }[]
    >`
      select count(*) filter (where extractor_version is null)::int as missing,
             count(*) filter (where extractor_version = ${DEFAULT_EXTRACTOR_VERSION})::int as current,
             array_agg(distinct extractor_kind::text) as kinds,
             (select count(*)::int from loan_datapoints d
              where not exists (select 1 from loan_candidates l
                                where l.tenant_id = d.tenant_id and l.id = d.loan_id)) as orphans
      from loan_datapoints where source = 'extraction'`);
    expect(row?.missing).toBe(0);
    expect(row?.current).toBeGreaterThanOrEqual(
      report.tables.find((table) => table.table === "loan_datapoints")?.backfilledByColumn
        .extractor_version ?? Infinity,
    );
    expect(row?.kinds).toEqual(["deterministic"]);
    expect(row?.orphans).toBe(0);
  });

  it("copies audit tenants from JSON", async () => {
    const [row] = await withAdmin(legacy.adminUrl, (sql) => sql<{ mismatched: number; global: number }[]>`
      select count(*) filter (where table_name = 'loan_candidates'
                              and tenant_id::text <> after ->> 'tenant_id')::int as mismatched,
             count(*) filter (where table_name = 'qc_rules' and tenant_id = ${GLOBAL_TENANT_ID})::int as global
      from audits`);
    expect(row?.mismatched).toBe(0);
    // Six rules from the legacy fixture and the seven global rules that
    // migration 0008_seed_global_qc_rules ships.
    expect(row?.global).toBe(6 + 7);
  });

  it("serves each tenant only its rows", async () => {
    const server = testServer();
    app = connectApp(withCredentials(legacy.adminUrl, APP_ROLE, server.appPassword), { max: 2 });
    const tenants = await withAdmin(legacy.adminUrl, (sql) => sql<{ id: string; loans: number }[]>`
      select t.id, count(l.id)::int as loans from tenants t
      join loan_candidates l on l.tenant_id = t.id
      group by t.id order by t.id limit 2`);
    const [first, second] = tenants;
    if (!first || !second) throw new Error("the fixture has fewer than two tenants with loans");

    const seen = await app.tenant(first.id, (tx) => tx.select().from(loanCandidates));
    expect(seen).toHaveLength(first.loans);
    expect(new Set(seen.map((loan) => loan.tenantId))).toEqual(new Set([first.id]));
    const other = await app.tenant(second.id, (tx) => tx.select().from(loanCandidates));
    expect(other.some((loan) => loan.tenantId === first.id)).toBe(false);
    const rules = await app.tenant(second.id, (tx) => tx.select().from(qcRules));
    expect(rules).toHaveLength(6 + 7);
    await expect(
      app.tenant(second.id, (tx) =>
        tx.insert(loanCandidates).values({ tenantId: first.id, loanNumber: "LN-INTRUDER" }),
      ),
    ).rejects.toThrow();
    await expect(
      app.tenant(unknownTenant, (tx) => tx.select().from(loanCandidates)),
    ).resolves.toHaveLength(0);
  });

  it("runs a second time without changes", async () => {
    const catalogBefore = await readCatalog(legacy.adminUrl);
    const dataBefore = await fingerprintData(legacy.adminUrl);

    const second = await upgrade(legacy.adminUrl);

    expect(second.stepsRun.map((step) => step.name)).toEqual(["apply_newer_migrations"]);
    expect(diffSchemaCatalogs(catalogBefore, await readCatalog(legacy.adminUrl))).toEqual([]);
    expect(await fingerprintData(legacy.adminUrl)).toEqual(dataBefore);
    expect(second.tables).toEqual(report.tables);
  });
});

describe("createUpgradedDatabase", () => {
  it("returns a database the app role can use", async () => {
    const server = testServer();
    const upgraded = await createUpgradedDatabase({ ...server, loans: 60 });
    const app = connectApp(upgraded.appUrl, { max: 1 });
    try {
      const tenants = await withAdmin(upgraded.adminUrl, (sql) =>
        sql<{ id: string }[]>`select id from tenants where slug = 'lender-1'`);
      const loans = await app.tenant(tenants[0]!.id, (tx) => tx.select().from(loanCandidates));

      expect(upgraded.report.balanced).toBe(true);
      expect(upgraded.report.phaseCompleted).toBe("switch");
      expect(loans.length).toBeGreaterThan(0);
    } finally {
      await app.close();
      await dropDatabase(server.maintenanceUrl, upgraded.name);
    }
  });
});
