// db:check's core, checkDatabase(): it passes on a freshly migrated
// database and names the object when one thing is broken. Each breaking
// change is made as admin in this file's own test database and undone.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql, type SQL } from "@tapeline/db";
import {
  checkDatabase,
  checkMigrationFiles,
  checkSchemaDrift,
  formatFindings,
  formatTableSecurity,
  type Finding,
} from "@tapeline/db/check";
import { openTestConnection, type TestConnection } from "@tapeline/db/testing";
import { useTestDatabase } from "./database.ts";

const t = useTestDatabase();
let admin: TestConnection;
let scratch: string;

const packageRoot = path.resolve(import.meta.dirname, "../../db");
const migrationsFolder = path.join(packageRoot, "migrations");

beforeAll(async () => {
  admin = openTestConnection(t.adminUrl);
  scratch = await mkdtemp(path.join(tmpdir(), "tapeline-check-test-"));
});

afterAll(async () => {
  await admin?.close();
  await rm(scratch, { recursive: true, force: true });
});

const catalogFindings = async () =>
  (await checkDatabase({ adminUrl: t.adminUrl, schemaDrift: false })).findings;

/** Runs `breakage` as admin, then the catalog checks, then `repair` (one statement each). */
async function findingsWhileBroken(breakage: SQL | SQL[], repair: SQL | SQL[]): Promise<Finding[]> {
  for (const statement of [breakage].flat()) await admin.execute(statement);
  try {
    return await catalogFindings();
  } finally {
    for (const statement of [repair].flat()) await admin.execute(statement);
  }
}

async function copyMigrations(name: string): Promise<string> {
  const folder = path.join(scratch, name);
  await cp(migrationsFolder, folder, { recursive: true });
  return folder;
}

describe("checkDatabase", () => {
  it("passes on a freshly migrated database", async () => {
    const report = await checkDatabase({ adminUrl: t.adminUrl });
    expect(report.findings, formatFindings(report.findings)).toEqual([]);
    expect(report.checks).toContain("0002_rls_not_forced");
    expect(report.checks).toContain("drizzle-kit generate");
  });

  it("reports every table's row-level security", async () => {
    const report = await checkDatabase({ adminUrl: t.adminUrl, schemaDrift: false });
    const audits = report.tables.find((table) => table.table === "public.audits");
    expect(audits).toMatchObject({ tenantTable: true, rlsEnabled: true, rlsForced: true });
    expect(audits?.policies).toContain("audits_select_own_tenant (select, tapeline_app)");
    expect(formatTableSecurity(report.tables)).toMatch(/^table\s+tenant\s+rls\s+forced\s+policies$/m);
  });

  it("names a table whose RLS is not forced", async () => {
    const findings = await findingsWhileBroken(
      sql`alter table audits no force row level security`,
      sql`alter table audits force row level security`,
    );
    expect(findings).toEqual([
      expect.objectContaining({
        check: "0002_rls_not_forced",
        object: "table public.audits",
        remedy: expect.stringContaining("alter table public.audits force row level security"),
      }),
    ]);
  });

  it("names a table whose RLS is disabled", async () => {
    const findings = await findingsWhileBroken(
      sql`alter table monitoring_events disable row level security`,
      sql`alter table monitoring_events enable row level security`,
    );
    expect(findings).toEqual([
      expect.objectContaining({ check: "0001_rls_not_enabled", object: "table public.monitoring_events" }),
    ]);
  });

  it("names a granted command without a policy", async () => {
    const findings = await findingsWhileBroken(
      sql`drop policy loan_documents_update_own_tenant on loan_documents`,
      sql`create policy loan_documents_update_own_tenant on loan_documents
              for update to tapeline_app
              using (tenant_id = app.current_tenant_id())
              with check (tenant_id = app.current_tenant_id())`,
    );
    expect(findings).toEqual([
      expect.objectContaining({
        check: "0003_policy_missing_for_grant",
        object: "table public.loan_documents",
        detail: expect.stringContaining("UPDATE"),
      }),
    ]);
  });

  it("names a unique index without tenant_id", async () => {
    const findings = await findingsWhileBroken(
      sql`create unique index loan_candidates_number_global_key on loan_candidates (loan_number)`,
      sql`drop index loan_candidates_number_global_key`,
    );
    expect(findings).toEqual([
      expect.objectContaining({
        check: "0005_unique_without_tenant",
        object: "index public.loan_candidates_number_global_key on public.loan_candidates",
      }),
    ]);
  });

  it("names a policy that reads the setting directly", async () => {
    const findings = await findingsWhileBroken(
      sql`create policy monitoring_events_select_by_text on monitoring_events
              for select to tapeline_app
              using (tenant_id::text = current_setting('app.tenant_id', true))`,
      sql`drop policy monitoring_events_select_by_text on monitoring_events`,
    );
    expect(findings).toEqual([
      expect.objectContaining({
        check: "0004_policy_tenant_expression",
        object: "policy monitoring_events_select_by_text on public.monitoring_events",
      }),
    ]);
  });

  it("names a widened qc_rules write policy", async () => {
    const findings = await findingsWhileBroken(
      sql`create policy qc_rules_update_global on qc_rules for update to tapeline_app
              using ((tenant_id = app.current_tenant_id()) or (tenant_id = app.global_tenant_id()))`,
      sql`drop policy qc_rules_update_global on qc_rules`,
    );
    expect(findings.map((finding) => finding.object)).toEqual([
      "policy qc_rules_update_global on public.qc_rules",
    ]);
  });

  it("names a system policy granted to the application role", async () => {
    const findings = await findingsWhileBroken(
      sql`alter policy event_outbox_select_relay on event_outbox to tapeline_relay, tapeline_app`,
      sql`alter policy event_outbox_select_relay on event_outbox to tapeline_relay`,
    );
    expect(findings.map((finding) => finding.object)).toEqual([
      "policy event_outbox_select_relay on public.event_outbox",
    ]);
  });

  it("names a foreign key without tenant_id and its missing index", async () => {
    const findings = await findingsWhileBroken(
      [
        sql`create unique index loan_candidates_id_key on loan_candidates (id)`,
        sql`alter table loan_documents add constraint loan_documents_any_loan_fkey
                foreign key (loan_id) references loan_candidates (id)`,
      ],
      [
        sql`alter table loan_documents drop constraint loan_documents_any_loan_fkey`,
        sql`drop index loan_candidates_id_key`,
      ],
    );
    const byCheck = Object.fromEntries(findings.map((finding) => [finding.check, finding.object]));
    expect(byCheck).toEqual({
      "0005_unique_without_tenant": "index public.loan_candidates_id_key on public.loan_candidates",
      "0006_foreign_key_without_tenant": "foreign key loan_documents_any_loan_fkey on public.loan_documents",
      "0007_foreign_key_without_index": "foreign key loan_documents_any_loan_fkey on public.loan_documents",
    });
  });

  it("names a view without security_invoker", async () => {
    const findings = await findingsWhileBroken(
      sql`create view loan_numbers as select tenant_id, loan_number from loan_candidates`,
      sql`drop view loan_numbers`,
    );
    expect(findings).toEqual([
      expect.objectContaining({ check: "0008_view_without_security_invoker", object: "view public.loan_numbers" }),
    ]);

    const invoker = await findingsWhileBroken(
      sql`create view loan_numbers with (security_invoker = true) as
              select tenant_id, loan_number from loan_candidates`,
      sql`drop view loan_numbers`,
    );
    expect(invoker).toEqual([]);
  });

  it("names an object owned by the application role", async () => {
    const findings = await findingsWhileBroken(
      [sql`create table app_scratch (id int)`, sql`alter table app_scratch owner to tapeline_app`],
      sql`drop table app_scratch`,
    );
    expect(findings).toEqual([
      expect.objectContaining({
        check: "0009_login_role_privileges",
        object: "role tapeline_app",
        detail: "the role owns relation public.app_scratch",
      }),
    ]);
  });

  it("names a new tenant table without RLS or tenant reference", async () => {
    const findings = await findingsWhileBroken(
      sql`create table widgets (tenant_id text, id uuid primary key)`,
      sql`drop table widgets`,
    );
    expect(findings.map((finding) => `${finding.check}: ${finding.detail}`).sort()).toEqual([
      "0001_rls_not_enabled: row-level security is not enabled, so policies are ignored",
      "0002_rls_not_forced: row-level security is not forced, so the table owner bypasses the policies",
      "0005_unique_without_tenant: CREATE UNIQUE INDEX widgets_pkey ON public.widgets USING btree (id) does not include tenant_id",
      "0010_tenant_column_shape: tenant_id allows null",
      "0010_tenant_column_shape: tenant_id does not reference public.tenants",
      "0010_tenant_column_shape: tenant_id is text, not uuid",
    ]);
  });

  it("accepts a tenant reference only through a NOT NULL key", async () => {
    const tenantFindings = async (loanColumn: string) => {
      const findings = await findingsWhileBroken(
        sql`create table notes (
                tenant_id uuid not null, id uuid, ${sql.raw(loanColumn)},
                primary key (tenant_id, id),
                foreign key (tenant_id, loan_id) references loan_candidates (tenant_id, id))`,
        sql`drop table notes`,
      );
      return findings
        .filter((finding) => finding.check === "0010_tenant_column_shape")
        .map((finding) => finding.detail);
    };

    expect(await tenantFindings("loan_id uuid")).toEqual([
      "tenant_id does not reference public.tenants",
    ]);
    expect(await tenantFindings("loan_id uuid not null")).toEqual([]);
  });

  it("names a migration edited after it was applied", async () => {
    const folder = await copyMigrations("edited");
    const file = path.join(folder, "0003_enable_row_level_security.sql");
    await writeFile(file, `${await readFile(file, "utf8")}\n-- edited\n`);
    const report = await checkDatabase({ adminUrl: t.adminUrl, migrationsFolder: folder, schemaDrift: false });
    expect(report.findings).toEqual([
      expect.objectContaining({
        check: "migration journal",
        object: "migration 0003_enable_row_level_security",
        detail: expect.stringContaining("changed after this database applied it"),
      }),
    ]);
  });
});

describe("checkMigrationFiles", () => {
  it("passes on the repository's migrations", async () => {
    expect(await checkMigrationFiles(migrationsFolder)).toEqual([]);
  });

  it("names files and entries that disagree", async () => {
    const folder = await copyMigrations("disagree");
    await writeFile(path.join(folder, "9999_orphan.sql"), "select 1;");
    await writeFile(path.join(folder, "0005_same_number.sql"), "select 1;");
    await rm(path.join(folder, "0002_create_tenant_functions.sql"));

    const objects = (await checkMigrationFiles(folder)).map((finding) => `${finding.object}: ${finding.detail}`);
    expect(objects).toEqual([
      "migrations/0005_same_number.sql: the file has no journal entry, so the migrator never applies it",
      "migrations/9999_orphan.sql: the file has no journal entry, so the migrator never applies it",
      "migrations/0005_*.sql: more than one migration file is numbered 0005",
      "journal entry 0002_create_tenant_functions: migrations/0002_create_tenant_functions.sql does not exist",
    ]);
  });

  it("names a journal entry older than its predecessor", async () => {
    const folder = await copyMigrations("order");
    const journalFile = path.join(folder, "meta", "_journal.json");
    const journal = JSON.parse(await readFile(journalFile, "utf8")) as { entries: { when: number }[] };
    journal.entries[4]!.when = journal.entries[3]!.when - 1;
    await writeFile(journalFile, JSON.stringify(journal));

    const findings = await checkMigrationFiles(folder);
    expect(findings).toEqual([
      expect.objectContaining({
        object: "journal entry 0004_create_audit_triggers",
        detail: expect.stringContaining("is not after 0003_enable_row_level_security's"),
      }),
    ]);
  });
});

describe("checkSchemaDrift", () => {
  it("names schema changes without a migration", async () => {
    const folder = path.join(scratch, "empty");
    await cp(path.join(migrationsFolder, "meta"), path.join(folder, "meta"), { recursive: true });
    await writeFile(
      path.join(folder, "meta", "_journal.json"),
      JSON.stringify({ version: "7", dialect: "postgresql", entries: [] }),
    );
    const snapshots = (await readdir(path.join(folder, "meta"))).filter((name) => /^\d{4}_snapshot\.json$/.test(name));
    expect(snapshots).toContain("0000_snapshot.json");
    for (const name of snapshots) await rm(path.join(folder, "meta", name));

    const findings = await checkSchemaDrift({ packageRoot, migrationsFolder: folder });
    expect(findings).toEqual([
      expect.objectContaining({
        check: "drizzle-kit generate",
        detail: expect.stringMatching(/would write 0000_\w+\.sql/),
      }),
    ]);
  });
});
