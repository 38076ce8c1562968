// Helpers for the upgrade test files: legacy databases on the test
// server started by the vitest global setup, and fingerprints of a
// database's data and schema for comparing two upgrade runs.
import { randomBytes } from "node:crypto";
import { pino } from "pino";
import postgres from "postgres";
import { inject } from "vitest";
import { createDatabase, dropDatabase } from "../admin.ts";
import { DEFAULT_EXTRACTOR_VERSION } from "../env.ts";
import { withDatabase } from "../urls.ts";
import { loadLegacyFixture } from "./legacy-fixture.ts";
import { upgradeLegacyDatabase, type UpgradeOptions } from "./run.ts";
import { readSchemaCatalog, type SchemaCatalog } from "./schema-catalog.ts";
import { TARGET_TABLES } from "./tables.ts";

/** The server the vitest global setup provides (packages/testing/src/global-setup.ts). */
export interface TestServerInfo {
  maintenanceUrl: string;
  templateDatabase: string;
  appPassword: string;
  relayPassword: string;
}

export function testServer(): TestServerInfo {
  return (inject as (key: string) => unknown)("tapeline") as TestServerInfo;
}

export interface ScratchDatabase {
  name: string;
  adminUrl: string;
  drop(): Promise<void>;
}

/** Creates an empty database, or a copy of `template`, with a random name. */
export async function createScratchDatabase(prefix: string, template?: string): Promise<ScratchDatabase> {
  const server = testServer();
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  await createDatabase(server.maintenanceUrl, name, template ? { template } : {});
  return {
    name,
    adminUrl: withDatabase(server.maintenanceUrl, name),
    drop: () => dropDatabase(server.maintenanceUrl, name),
  };
}

export async function createLegacyDatabase(loans: number): Promise<ScratchDatabase> {
  const database = await createScratchDatabase("legacy");
  await loadLegacyFixture(database.adminUrl, { loans });
  return database;
}

/** Runs the upgrade with the test server's role passwords and a quiet logger. */
export function upgrade(adminUrl: string, options: Partial<UpgradeOptions> = {}) {
  const server = testServer();
  return upgradeLegacyDatabase({
    adminUrl,
    appPassword: server.appPassword,
    relayPassword: server.relayPassword,
    extractorVersion: DEFAULT_EXTRACTOR_VERSION,
    logger: pino({ level: process.env.LOG_LEVEL ?? "silent" }),
    ...options,
  });
}

export async function withAdmin<T>(adminUrl: string, work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export async function readCatalog(adminUrl: string): Promise<SchemaCatalog> {
  return withAdmin(adminUrl, (sql) => readSchemaCatalog(sql));
}

/**
 * Digest of audits. The audit rows of the global QC rules that a migration
 * seeds get their id and created_at when the migration runs, so those two
 * columns are left out for them, and rows are ordered by content.
 */
async function auditsDigest(sql: postgres.Sql): Promise<{ digest: string } | undefined> {
  const [row] = await sql<{ digest: string }[]>`
    with rows as (
        select case
                   when t.table_name = 'qc_rules' and t.actor <> 'admin'
                        and t.row_id = md5('global qc rule ' || (t.after ->> 'code'))::uuid
                   then to_jsonb(t) - 'id' - 'created_at'
                   else to_jsonb(t)
               end::text as content
        from public.audits t
    )
    select count(*) || ':' || coalesce(md5(string_agg(content, ',' order by content)), '') as digest
    from rows`;
  return row;
}

/**
 * Columns left out of a table's fingerprint because they differ between
 * two correct runs: a tenant's creation time, and the id of the transaction
 * that wrote an outbox event.
 */
const IGNORED_COLUMNS: Record<string, string[]> = {
  tenants: ["created_at"],
  event_outbox: ["xid"],
};

/**
 * Digests every row of every target table and of quarantine.rows. The
 * global tenant's created_at and the time a row was quarantined are left
 * out, because they record when the upgrade ran.
 */
export async function fingerprintData(adminUrl: string): Promise<Record<string, string>> {
  return withAdmin(adminUrl, async (sql) => {
    const digest: Record<string, string> = {};
    for (const table of TARGET_TABLES) {
      const row = table === "audits" ? await auditsDigest(sql) : (await sql.unsafe<{ digest: string }[]>(
        `select count(*) || ':' || coalesce(md5(string_agg(
                    (to_jsonb(t) - '{${(IGNORED_COLUMNS[table] ?? []).join(",")}}'::text[])::text,
                    ',' order by t.id)), '') as digest
         from public.${table} t`,
      ))[0];
      digest[table] = row?.digest ?? "";
    }
    const [quarantine] = await sql<{ digest: string }[]>`
      select count(*) || ':' || coalesce(md5(string_agg(
                 table_name || row_id || reason || coalesce(detail, '') || row::text,
                 ',' order by table_name, row_id)), '') as digest
      from quarantine.rows`;
    digest.quarantine = quarantine?.digest ?? "";
    return digest;
  });
}
