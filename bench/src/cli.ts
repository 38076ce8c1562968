// pnpm bench [--quick] [--only id,id] [--skip id,id] [--duration-ms N]: starts a throw-away PostgreSQL,
// generates the data, measures every figure against its baseline, writes
// bench/results/<time>-<mode>.json and (full runs) docs/benchmarks.md, and
// exits non-zero when a figure could not be measured or a tenant query's
// plan breaks the plan rules. Goals missed do not change the exit code.
import path from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { connectApp } from "@tapeline/db";
import { readServerFacts, startBenchCluster } from "./cluster.ts";
import { MODES, type BenchContext, type FigureResult, type Samples } from "./context.ts";
import { childPolicy } from "./figures/child-policy.ts";
import { orm, rlsPolicy, rlsScan, tenantPage, tenantPk } from "./figures/database.ts";
import { httpFigures } from "./figures/http.ts";
import { importFigure, importMemoryFigure } from "./figures/import.ts";
import { relay } from "./figures/relay.ts";
import { generateDatabase } from "./generate/database.ts";
import { PlanRecorder } from "./plans.ts";
import { describeMachine, figureTable, writeReport, type RunReport } from "./report.ts";

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

interface Group {
  ids: string[];
  run(ctx: BenchContext): Promise<FigureResult | FigureResult[]>;
}

const GROUPS: Group[] = [
  { ids: ["rls-policy"], run: rlsPolicy },
  { ids: ["rls-scan"], run: rlsScan },
  { ids: ["child-policy"], run: childPolicy },
  { ids: ["tenant-pk"], run: tenantPk },
  { ids: ["tenant-page"], run: tenantPage },
  { ids: ["orm"], run: orm },
  { ids: ["api-route", "http", "http-framework"], run: httpFigures },
  { ids: ["import"], run: importFigure },
  { ids: ["relay"], run: relay },
  { ids: ["import-memory"], run: importMemoryFigure },
];

const VALUE_OPTIONS = ["--only", "--skip", "--duration-ms"];

function optionValue(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}

function parseArguments(argv: string[]) {
  const quick = argv.includes("--quick");
  const only = (optionValue(argv, "--only") ?? "").split(",").filter(Boolean);
  const skip = (optionValue(argv, "--skip") ?? "").split(",").filter(Boolean);
  const durationText = optionValue(argv, "--duration-ms");
  const durationMs = durationText === undefined ? undefined : Number(durationText);
  if (durationMs !== undefined && !(Number.isInteger(durationMs) && durationMs >= 50)) {
    throw new Error(`Invalid --duration-ms ${durationText}: use a whole number of milliseconds, at least 50.`);
  }
  const known = GROUPS.flatMap((group) => group.ids);
  for (const id of [...only, ...skip]) {
    if (!known.includes(id)) {
      throw new Error(`Unknown figure ${JSON.stringify(id)}: use ${known.join(", ")}.`);
    }
  }
  const unknown = argv.filter(
    (arg, index) =>
      arg.startsWith("--") &&
      arg !== "--quick" &&
      !VALUE_OPTIONS.includes(arg) &&
      !VALUE_OPTIONS.includes(argv[index - 1] ?? ""),
  );
  if (unknown.length > 0) {
    throw new Error(
      `Unknown option ${unknown[0]}: use --quick, --only id,id, --skip id,id and --duration-ms N ` +
        "(length of one side of one round in milliseconds; HTTP figures round it to whole seconds).",
    );
  }
  return { quick, only, skip, durationMs };
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function readSamples(adminUrl: string, tenantId: string): Promise<Samples> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ id: string; loan_number: string }[]>`
        select id, loan_number from loan_candidates
        where tenant_id = ${tenantId}
        order by md5(id::text) limit 2000`;
    return { loanIds: rows.map((r) => r.id), loanNumbers: rows.map((r) => r.loan_number) };
  } finally {
    await sql.end();
  }
}

async function runGroup(ctx: BenchContext, group: Group): Promise<FigureResult[]> {
  try {
    const result = await group.run(ctx);
    return Array.isArray(result) ? result : [result];
  } catch (error) {
    log(`${group.ids.join(", ")} failed: ${error instanceof Error ? error.stack : String(error)}`);
    return group.ids.map((id) => ({
      id,
      ours: "-",
      baseline: "-",
      unit: "",
      goal: { kind: "report", text: "-" },
      status: "not measured",
      note: `failed: ${error instanceof Error ? error.message : String(error)}`,
    }));
  }
}

async function main(): Promise<number> {
  const args = parseArguments(process.argv.slice(2));
  const preset = MODES[args.quick ? "quick" : "full"];
  const durationMs = args.durationMs ?? preset.durationMs;
  const httpSeconds =
    args.durationMs === undefined ? preset.httpSeconds : Math.max(1, Math.round(durationMs / 1000));
  const mode = { ...preset, durationMs, httpSeconds };
  const startedAt = new Date().toISOString();
  log(`mode ${mode.name}: starting PostgreSQL`);
  const cluster = await startBenchCluster();
  try {
    log(`generating ${mode.loans} loans over ${mode.tenants} tenants`);
    const data = await generateDatabase(cluster.adminUrl, mode);
    log(`generated in ${data.seconds.toFixed(1)} s: ${JSON.stringify(data.counts)}`);

    const pool = { max: mode.concurrency, applicationName: "tapeline-bench" };
    const ctx: BenchContext = {
      mode,
      cluster,
      data,
      app: connectApp(cluster.appUrl, pool),
      bypass: connectApp(cluster.bypassUrl, pool),
      raw: postgres(cluster.bypassUrl, { max: mode.concurrency, onnotice: () => {} }),
      plans: new PlanRecorder(),
      samples: await readSamples(cluster.adminUrl, data.largeTenantId),
      log,
    };

    const figures: FigureResult[] = [];
    try {
      for (const group of GROUPS) {
        if (args.only.length > 0 && !group.ids.some((id) => args.only.includes(id))) continue;
        if (group.ids.every((id) => args.skip.includes(id))) continue;
        figures.push(...(await runGroup(ctx, group)));
      }
    } finally {
      await Promise.all([ctx.app.close(), ctx.bypass.close(), ctx.raw.end()]);
    }

    const report: RunReport = {
      startedAt,
      finishedAt: new Date().toISOString(),
      mode,
      command: ["pnpm bench", ...process.argv.slice(2)].join(" "),
      machine: describeMachine(),
      postgres: await readServerFacts(cluster.adminUrl),
      data: {
        counts: data.counts,
        largeTenantShare: data.largeTenantLoans / mode.loans,
        generateSeconds: data.seconds,
      },
      figures,
      plans: ctx.plans.plans,
      planFailures: ctx.plans.failures(),
    };
    const file = await writeReport(repositoryRoot, report, {
      updateDocs: mode.name === "full" && args.only.length === 0 && args.durationMs === undefined,
    });
    process.stdout.write(`\n${figureTable(figures)}\n\nResults: ${file}\n`);

    let exitCode = 0;
    if (report.planFailures.length > 0) {
      process.stderr.write(`\nPlan check failed:\n${report.planFailures.join("\n")}\n`);
      exitCode = 1;
    }
    const unmeasured = figures.filter((f) => f.status === "not measured" && f.note?.startsWith("failed"));
    if (unmeasured.length > 0) exitCode = 1;
    return exitCode;
  } finally {
    await cluster.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`pnpm bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
