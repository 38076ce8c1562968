import { performance } from "node:perf_hooks";
import { pino } from "pino";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_EXTRACTOR_VERSION } from "../env.ts";
import type { UpgradeReport } from "./report.ts";
import { createLegacyDatabase, upgrade, type ScratchDatabase } from "./test-support.ts";

const LOCK_TIMEOUT_MS = 400;
// Room for a busy two-core machine on top of the lock timeout.
const LATENCY_MARGIN_MS = 1000;

const tenant = (n: number) => `md5('tenant:${n}')::uuid`;

/**
 * Queries as the old application ran them: plain statements on its own
 * connection, no tenant setting, no tenant_id on child rows, extraction
 * rows without an extractor version.
 */
let oldApplicationRound = 0;

async function runOldApplicationQueries(sql: postgres.Sql, label: string): Promise<void> {
  oldApplicationRound += 1;
  const number = `OLD-${label}`;
  const [loan] = await sql.unsafe<{ id: string }[]>(
    `insert into loan_candidates (tenant_id, loan_number) values (${tenant(1)}, $1) returning id`,
    [number],
  );
  const [document] = await sql.unsafe<{ id: string }[]>(
    `insert into loan_documents (loan_id, file_name, content_sha256, size_bytes, storage_key, created_by)
     values ($1, 'cd.pdf', md5($2) || md5($2), 1200, 'documents/old', 'old-app') returning id`,
    [loan!.id, number],
  );

  const [imported] = await sql.unsafe<{ id: string }[]>(
    `select id from imports where tenant_id = ${tenant(1)} order by id limit 1`,
  );

  await sql.unsafe(
    `insert into loan_datapoints (loan_id, key, source, value, confidence, evidence_doc_id,
                                  evidence_page, evidence_text_hash)
     values ($1, 'interest_rate', 'extraction', '4.125', 0.93, $2, 1, md5('a') || md5('b'))`,
    [loan!.id, document!.id],
  );
  await sql.unsafe(
    `insert into loan_datapoints (loan_id, key, source, value, import_id, import_row_number)
     values ($1, 'loan_amount', 'tape', '250000', $2, $3)`,
    [loan!.id, imported!.id, 1_000_000 + oldApplicationRound],
  );

  await sql.unsafe(`update loan_documents set status = 'extracted' where id = $1`, [document!.id]);
  await sql.unsafe(
    `insert into audits (actor, action, table_name, row_id, after)
     values ('api', 'insert', 'loan_candidates', $1, jsonb_build_object('tenant_id', ${tenant(1)}))`,
    [loan!.id],
  );
  await sql.unsafe(
    `insert into event_outbox (type, aggregate_type, aggregate_id, payload)
     values ('loan.created', 'loan', $1, jsonb_build_object('tenantId', ${tenant(1)}))`,
    [loan!.id],
  );

  const rows = await sql.unsafe(`select * from loan_datapoints where loan_id = $1`, [loan!.id]);
  expect(rows, label).toHaveLength(2);
  const found = await sql.unsafe(
    `select l.id from loan_candidates l join loan_documents d on d.loan_id = l.id
     where l.tenant_id = ${tenant(1)} and l.loan_number = $1`,
    [number],
  );
  expect(found, label).toHaveLength(1);
}

interface Writer {
  stop(): Promise<{ inserts: number; maxLatencyMs: number }>;
}

/** Inserts a loan and three datapoints per round from its own connection, timing each insert. */
function startWriter(adminUrl: string): Writer {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  let running = true;
  let inserts = 0;
  let maxLatencyMs = 0;
  const timed = async (query: string, parameters: unknown[]) => {
    const started = performance.now();
    const rows = await sql.unsafe<{ id: string }[]>(query, parameters as never[]);
    maxLatencyMs = Math.max(maxLatencyMs, performance.now() - started);
    inserts += 1;
    return rows;
  };
  const loop = (async () => {
    for (let round = 0; running && round < 100_000; round += 1) {
      const [loan] = await timed(
        `insert into loan_candidates (tenant_id, loan_number) values (${tenant(2)}, $1) returning id`,
        [`W-${round}`],
      );
      for (const key of ["notes", "borrower_name", "comment"]) {
        await timed(
          `insert into loan_datapoints (loan_id, key, source, value, created_by)
           values ($1, $2, 'manual', 'w', 'writer')`,
          [loan!.id, key],
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await sql.end({ timeout: 5 });
      return { inserts, maxLatencyMs };
    },
  };
}

/** Holds a read lock on loan_datapoints for `ms`, as a long report query of the old application would. */
async function holdReadLock(adminUrl: string, ms: number): Promise<{ released: Promise<void> }> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  let locked!: () => void;
  const acquired = new Promise<void>((resolve) => (locked = resolve));
  const done = sql
    .begin(async (tx) => {
      await tx`select count(*) from loan_datapoints`;
      locked();
      await new Promise((resolve) => setTimeout(resolve, ms));
    })
    .then(() => sql.end({ timeout: 5 }));
  await acquired;
  // Wrapped, because an async function that returns a promise would wait for it.
  return { released: done };
}

describe("upgrade beside the old application", () => {
  let legacy: ScratchDatabase;
  let oldApp: postgres.Sql;
  const warnings: string[] = [];
  const stepsChecked: string[] = [];
  let writerResult: { inserts: number; maxLatencyMs: number };
  let switched: UpgradeReport;

  beforeAll(async () => {
    legacy = await createLegacyDatabase(150);
    oldApp = postgres(legacy.adminUrl, { max: 1, onnotice: () => {} });
  });

  afterAll(async () => {
    await oldApp?.end({ timeout: 5 });
    await legacy?.drop();
  });

  it("keeps the old queries and a writer running through the additive phase", async () => {
    const writer = startWriter(legacy.adminUrl);
    const blocker = await holdReadLock(legacy.adminUrl, LOCK_TIMEOUT_MS * 4);

    const additive = await upgrade(legacy.adminUrl, {
      until: "additive",
      lockTimeoutMs: LOCK_TIMEOUT_MS,
      logger: pino({ level: "warn" }, { write: (line: string) => warnings.push(line) }),
      hooks: {
        afterStep: async (step) => {
          await runOldApplicationQueries(oldApp, step);
          stepsChecked.push(step);
        },
      },
    }).finally(async () => {
      await blocker.released;
      writerResult = await writer.stop();
    });

    expect(additive.phaseCompleted).toBe("additive");
    expect(stepsChecked).toEqual(additive.stepsRun.map((step) => step.name));
    expect(stepsChecked.length).toBeGreaterThan(90);
    expect(writerResult.inserts).toBeGreaterThan(100);
    expect(additive.balanced).toBe(true);
  });

  it("blocks the writer no longer than the lock timeout", () => {
    const retried = warnings.filter((line) => line.includes("add_columns:loan_datapoints"));
    expect(retried.length).toBeGreaterThan(0);
    expect(writerResult.maxLatencyMs).toBeLessThan(LOCK_TIMEOUT_MS + LATENCY_MARGIN_MS);
  });

  it("fills tenant and lineage of rows written during the upgrade", async () => {
    const [row] = await oldApp<{ missing: number; mismatched: number; unversioned: number }[]>`
      select count(*) filter (where d.tenant_id is null)::int as missing,
             count(*) filter (where d.tenant_id <> l.tenant_id)::int as mismatched,
             count(*) filter (where d.source = 'extraction'
                              and d.extractor_version is distinct from ${DEFAULT_EXTRACTOR_VERSION}
                              and d.created_at > now() - interval '1 hour')::int as unversioned
      from loan_datapoints d join loan_candidates l on l.id = d.loan_id`;
    expect(row).toEqual({ missing: 0, mismatched: 0, unversioned: 0 });
  });

  it("balances the report including the old application's writes", async () => {
    switched = await upgrade(legacy.adminUrl, { lockTimeoutMs: LOCK_TIMEOUT_MS });

    expect(switched.phaseCompleted).toBe("switch");
    const written = Object.fromEntries(
      switched.tables.map((table) => [table.table, table.rowsWrittenDuringUpgrade]),
    );
    expect(written.loan_candidates).toBeGreaterThan(0);
    expect(written.loan_datapoints).toBeGreaterThan(written.loan_candidates ?? 0);
    // One audit row per old-application round after the audits counting trigger existed.
    const counted = stepsChecked.length - stepsChecked.indexOf("install_sync_triggers:audits");
    expect(written.audits).toBe(counted);
    for (const table of switched.tables) {
      expect(table.rowsAfter + table.rowsQuarantined, table.table).toBe(
        table.rowsBefore + table.rowsCreated + table.rowsWrittenDuringUpgrade,
      );
    }
    expect(switched.balanced).toBe(true);
  });

  it("rejects old-style inserts after the switch", async () => {
    await expect(runOldApplicationQueries(oldApp, "after-switch")).rejects.toMatchObject({
      code: "23502",
    });
  });
});

describe("duplicate written during the upgrade", () => {
  let legacy: ScratchDatabase;

  beforeAll(async () => {
    legacy = await createLegacyDatabase(110);
  });

  afterAll(async () => {
    await legacy?.drop();
  });

  it("is quarantined before the unique index is built", async () => {
    const report = await upgrade(legacy.adminUrl, {
      hooks: {
        afterStep: async (step) => {
          if (step !== "backfill:event_outbox") return;
          const sql = postgres(legacy.adminUrl, { max: 1, onnotice: () => {} });
          await sql.unsafe(
            `insert into loan_candidates (tenant_id, loan_number) values (${tenant(1)}, 'LN-00000001')`,
          );
          await sql.end({ timeout: 5 });
        },
      },
    });

    const loans = report.tables.find((table) => table.table === "loan_candidates");
    expect(loans?.quarantinedByReason.duplicate_loan_number).toBe(3);
    expect(loans?.rowsWrittenDuringUpgrade).toBe(1);
    expect(report.balanced).toBe(true);
  });
});
