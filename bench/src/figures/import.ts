// import: a tape imported end to end by createImport, then processImport
// (parse, validate, stage, insert under RLS with lineage and error rows).
// It runs against two baselines on the same file: raw COPY into an
// unprotected table, and 1,000-row multi-row INSERTs into that table. The
// table has one text column per HMDA loan field and a unique index on the
// ULI, the key our path upserts loans by. The tape size is the mode's
// importTapeRows, recorded in the figure's facts.
// import-memory: peak RSS of a child process importing the large tape over
// that of one importing the small tape.
import { fork } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pipeline as streamPipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import { fileURLToPath } from "node:url";
import readline from "node:readline";
import postgres from "postgres";
import { FileStorage } from "@tapeline/core/storage";
import { connectSystem } from "@tapeline/db";
import { judge, type BenchContext, type FigureResult, type Goal } from "../context.ts";
import { compare, round3, type Sample, type Side } from "../measure.ts";
import { generateTapes } from "../generate/tapes.ts";
import type { ImportChildConfig, ImportChildResult } from "../imports/import-child.ts";
import { importTape } from "../imports/import-tape.ts";

const LOAN_FIELDS = 110;
const INSERT_BATCH_ROWS = 1_000;
const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const childEntry = path.join(path.dirname(fileURLToPath(import.meta.url)), "../imports/import-child.ts");
const columns = Array.from({ length: LOAN_FIELDS }, (_, i) => `f${i + 1}`);

const IMPORT_GOAL: Goal = { kind: "at-least", value: 0.4, text: ">= 0.40 of COPY, and >= 2x multi-row INSERT" };
const MEMORY_GOAL: Goal = { kind: "at-most", value: 1.2, text: "<= 1.2" };

async function resetCopyTable(sql: postgres.Sql): Promise<void> {
  await sql.unsafe(`
      drop table if exists bench_raw_lar;
      create table bench_raw_lar (${columns.map((c) => `${c} text`).join(", ")});
      create unique index on bench_raw_lar (f3)`);
}

/** COPY of the tape's loan rows (the transmittal sheet dropped) into bench_raw_lar. */
async function copyTape(sql: postgres.Sql, file: string): Promise<Sample> {
  await resetCopyTable(sql);
  const started = performance.now();
  const copy = await sql`copy bench_raw_lar from stdin with (format text, delimiter '|')`.writable();
  let first = true;
  const dropSheet = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (!first) return callback(null, chunk);
      first = false;
      const newline = chunk.indexOf(10);
      callback(null, newline < 0 ? Buffer.alloc(0) : chunk.subarray(newline + 1));
    },
  });
  await streamPipeline(createReadStream(file), dropSheet, copy);
  const seconds = (performance.now() - started) / 1000;
  const [row] = await sql<{ rows: number }[]>`select count(*)::int as rows from bench_raw_lar`;
  return { value: (row?.rows ?? 0) / seconds, detail: { rows: row?.rows ?? 0, seconds: round3(seconds) } };
}

/**
 * Inserts the same rows with 1,000-row multi-row INSERT statements. 110 columns
 * times 1,000 rows exceeds the protocol's 65,535 parameters, so each row
 * travels as one text[] parameter of the VALUES list.
 */
async function insertTape(sql: postgres.Sql, file: string): Promise<Sample> {
  await resetCopyTable(sql);
  const started = performance.now();
  let batch: string[][] = [];
  let rows = 0;
  const statementFor = (count: number) =>
    `insert into bench_raw_lar select ${columns.map((_, i) => `v[${i + 1}]`).join(", ")} ` +
    `from (values ${Array.from({ length: count }, (_, i) => `($${i + 1}::text[])`).join(", ")}) as t(v)`;
  const flush = async () => {
    if (batch.length === 0) return;
    await sql.unsafe(statementFor(batch.length), batch as never[], { prepare: true });
    rows += batch.length;
    batch = [];
  };
  const lines = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let first = true;
  for await (const line of lines) {
    if (first) {
      first = false;
      continue;
    }
    const fields = line.split("|");
    batch.push(columns.map((_, i) => fields[i] ?? ""));
    if (batch.length === INSERT_BATCH_ROWS) await flush();
  }
  await flush();
  const seconds = (performance.now() - started) / 1000;
  return { value: rows / seconds, detail: { rows, seconds: round3(seconds) } };
}

async function measureImport(ctx: BenchContext, file: string): Promise<FigureResult> {
  const storageDir = await mkdtemp(path.join(tmpdir(), "tapeline-bench-storage-"));
  const system = connectSystem(ctx.cluster.adminUrl);
  const raw = postgres(ctx.cluster.bypassUrl, { max: 1, onnotice: () => {} });
  try {
    const storage = new FileStorage(storageDir);
    let round = 0;
    const ours: Side = {
      label: "createImport + processImport under RLS, with lineage and error rows",
      run: async () => {
        const outcome = await importTape({ db: ctx.app, system, storage }, file, String(round++));
        return {
          value: outcome.rows / outcome.seconds,
          detail: { rows: outcome.rows, datapoints: outcome.datapoints, errors: outcome.errors, seconds: round3(outcome.seconds) },
        };
      },
    };
    const copy: Side = { label: "raw COPY into an unprotected table", run: () => copyTape(raw, file) };
    const insert: Side = { label: "1,000-row multi-row INSERTs", run: () => insertTape(raw, file) };

    ctx.log("import: against COPY");
    const versusCopy = await compare({ ours, baseline: copy, rounds: ctx.mode.importRounds });
    ctx.log("import: against multi-row INSERT");
    const versusInsert = await compare({ ours, baseline: insert, rounds: ctx.mode.importRounds, warmup: false });
    const status = judge(IMPORT_GOAL, versusCopy) === "met" && versusInsert.median >= 2 ? "met" : "missed";
    return {
      id: "import",
      ours: ours.label,
      baseline: `${copy.label}; second baseline: ${insert.label}`,
      unit: "rows/s",
      goal: IMPORT_GOAL,
      status,
      comparison: versusCopy,
      facts: {
        tapeRows: ctx.mode.importTapeRows,
        versusInsertMedian: round3(versusInsert.median),
        versusInsertMin: round3(versusInsert.min),
        versusInsertMax: round3(versusInsert.max),
      },
    };
  } finally {
    await Promise.all([system.close(), raw.end()]);
    await rm(storageDir, { recursive: true, force: true });
  }
}

function runImportChild(config: ImportChildConfig): Promise<ImportChildResult> {
  return new Promise((resolve, reject) => {
    const child = fork(childEntry, [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, BENCH_IMPORT_CONFIG: JSON.stringify(config) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let result: ImportChildResult | undefined;
    child.on("message", (message) => (result = message as ImportChildResult));
    child.once("exit", (code) =>
      result && code === 0 ? resolve(result) : reject(new Error(`import child exited with code ${code}`)),
    );
  });
}

async function measureMemory(ctx: BenchContext, small: string, large: string): Promise<FigureResult> {
  const run = async (file: string, label: string): Promise<Sample> => {
    const result = await runImportChild({ appUrl: ctx.cluster.appUrl, adminUrl: ctx.cluster.adminUrl, file, label });
    return { value: result.maxRssKiB / 1024, detail: { rows: result.rows, seconds: round3(result.seconds) } };
  };
  ctx.log("import-memory: child processes importing each tape");
  const comparison = await compare({
    ours: { label: "large tape", run: () => run(large, "large") },
    baseline: { label: "small tape", run: () => run(small, "small") },
    rounds: 1,
    warmup: false,
  });
  return {
    id: "import-memory",
    ours: `peak RSS of a child importing the ${ctx.mode.memoryTapeRows.large}-row tape`,
    baseline: `peak RSS of a child importing the ${ctx.mode.memoryTapeRows.small}-row tape`,
    unit: "MiB",
    goal: MEMORY_GOAL,
    status: judge(MEMORY_GOAL, comparison),
    comparison,
    facts: { rounds: 1 },
  };
}

/** Measures the import figure: one tape imported each round, against COPY and against INSERT. */
export async function importFigure(ctx: BenchContext): Promise<FigureResult> {
  const rows = ctx.mode.importTapeRows;
  ctx.log(`import: writing a tape of ${rows} rows`);
  const tapes = await generateTapes(repositoryRoot, [rows]);
  try {
    return await measureImport(ctx, tapes.files.get(rows) as string);
  } finally {
    await tapes.remove();
  }
}

/**
 * Measures the import-memory figure. It runs last in a full run, because
 * peak RSS does not depend on the machine's load and the large tape takes
 * the longest.
 */
export async function importMemoryFigure(ctx: BenchContext): Promise<FigureResult> {
  const { small, large } = ctx.mode.memoryTapeRows;
  ctx.log(`import-memory: writing tapes of ${small} and ${large} rows`);
  const tapes = await generateTapes(repositoryRoot, [small, large]);
  try {
    return await measureMemory(ctx, tapes.files.get(small) as string, tapes.files.get(large) as string);
  } finally {
    await tapes.remove();
  }
}
