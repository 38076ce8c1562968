// Runs the legacy upgrade: preflight checks, then every step not yet
// completed, in order, up to the requested phase; then the report.
import { performance } from "node:perf_hooks";
import postgres from "postgres";
import { createLogger, type Logger } from "../logger.ts";
import { hasDrizzleMigrations, tableExists } from "./catalog.ts";
import {
  inTransaction,
  type Phase,
  type ResolvedUpgradeOptions,
  type StepContext,
  type UpgradeHooks,
} from "./context.ts";
import { planDryRun } from "./dry-run.ts";
import { UpgradeError, UpgradeStepError } from "./errors.ts";
import {
  readTableReports,
  storeReport,
  type PlannedStep,
  type StepRun,
  type UpgradeReport,
} from "./report.ts";
import { createStateSchema, readCompletedSteps, recordStep, stateSchemaExists } from "./state.ts";
import type { Step } from "./step.ts";
import { buildSteps } from "./steps.ts";
import { readTargetMigrations, readTargetSchema } from "./target.ts";

export interface UpgradeOptions {
  /** Superuser (or owner) URL of the legacy database. */
  adminUrl: string;
  /** Passwords the migrator sets on tapeline_app and tapeline_relay, when given. */
  appPassword?: string;
  relayPassword?: string;
  /** The version written into extraction datapoints that have none. */
  extractorVersion: string;
  /** Report what would change and change nothing. */
  dryRun?: boolean;
  /** Last phase to run: "additive" while the old application is live, "switch" (default) for all. */
  until?: Phase;
  batchSize?: number;
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
  lockAttempts?: number;
  hooks?: UpgradeHooks;
  logger?: Logger;
}

/** Serialises upgrade runs on one database; distinct from the migrator's lock. */
const UPGRADE_LOCK_KEY = 7_461_230_002;

const PHASES: Phase[] = ["additive", "switch"];

function resolveOptions(options: UpgradeOptions): ResolvedUpgradeOptions {
  return {
    extractorVersion: options.extractorVersion,
    batchSize: options.batchSize ?? 5000,
    lockTimeoutMs: options.lockTimeoutMs ?? 2000,
    statementTimeoutMs: options.statementTimeoutMs ?? 60_000,
    lockAttempts: options.lockAttempts ?? 30,
    hooks: options.hooks ?? {},
  };
}

function openSession(options: UpgradeOptions): postgres.Sql {
  return postgres(options.adminUrl, {
    max: 1,
    onnotice: () => {},
    connection: { application_name: "tapeline-upgrade" },
  });
}

async function preflight(sql: postgres.Sql): Promise<void> {
  if (!(await tableExists(sql, "loan_candidates"))) {
    throw new UpgradeError(
      "UPGRADE_NOT_LEGACY",
      "This database has no loan_candidates table, so it holds no Tapeline data to upgrade. " +
        "For an empty database run `pnpm db:migrate` instead.",
    );
  }
  if ((await hasDrizzleMigrations(sql)) && !(await stateSchemaExists(sql))) {
    throw new UpgradeError(
      "UPGRADE_NOT_LEGACY",
      "This database already records drizzle migrations and was never upgraded from the legacy " +
        "schema. Run `pnpm db:migrate` instead of `pnpm db:upgrade --from-legacy`.",
    );
  }
}

async function acquireUpgradeLock(sql: postgres.Sql): Promise<void> {
  const [row] = await sql<{ locked: boolean }[]>`
    select pg_try_advisory_lock(${UPGRADE_LOCK_KEY}) as locked`;
  if (!row?.locked) {
    throw new UpgradeError(
      "UPGRADE_ALREADY_RUNNING",
      "Another db:upgrade session holds this database's upgrade lock. Wait for it to finish, " +
        "or end it (pg_stat_activity, application_name tapeline-upgrade) and rerun.",
    );
  }
}

function phaseComplete(steps: Step[], completed: Set<string>, phase: Phase): boolean {
  return steps.filter((step) => step.phase === phase && !step.repeat).every((step) => completed.has(step.name));
}

/** Returns the last phase whose one-off steps have all completed, or null. */
export function completedPhase(steps: Step[], completed: Set<string>): Phase | null {
  if (phaseComplete(steps, completed, "switch")) return "switch";
  return phaseComplete(steps, completed, "additive") ? "additive" : null;
}

/** Steps the next run would execute, catch-up steps included. */
export function pendingSteps(steps: Step[], completed: Set<string>): PlannedStep[] {
  return steps
    .filter((step) => shouldRun(step, steps, completed))
    .map((step) => ({
      name: step.name,
      phase: step.phase,
      kind: step.kind,
      repeat: step.repeat ?? false,
      summary: step.summary,
    }));
}

/**
 * One-off steps run once. Catch-up steps of the additive phase run on every
 * invocation until that phase is complete: from then on validated
 * constraints reject every row a verdict would catch, so the switch needs
 * no catch-up pass.
 */
function shouldRun(step: Step, steps: Step[], completed: Set<string>): boolean {
  if (!step.repeat) return !completed.has(step.name);
  return step.phase === "switch" || !phaseComplete(steps, completed, step.phase);
}

async function runStep(ctx: StepContext, step: Step): Promise<number> {
  const started = performance.now();
  const hooks = ctx.options.hooks;
  ctx.logger.info({ step: step.name, phase: step.phase, kind: step.kind }, "step started");
  try {
    if (step.kind === "transaction") {
      await inTransaction(
        ctx,
        async (tx) => {
          await step.run(ctx, tx);
          await hooks.afterStepWork?.(step.name);
          await recordStep(tx, step.name, step.phase, performance.now() - started);
        },
        step.unbounded ? { statementTimeoutMs: 0 } : {},
      );
    } else {
      await step.run(ctx, undefined);
      await hooks.afterStepWork?.(step.name);
      await recordStep(ctx.sql, step.name, step.phase, performance.now() - started);
    }
  } catch (error) {
    throw new UpgradeStepError(step.name, error);
  }
  const durationMs = Math.round(performance.now() - started);
  ctx.logger.info({ step: step.name, durationMs }, "step completed");
  await hooks.afterStep?.(step.name, step.phase);
  return durationMs;
}

async function executeSteps(ctx: StepContext, steps: Step[], until: Phase): Promise<StepRun[]> {
  const completed = await readCompletedSteps(ctx.sql);
  const runs: StepRun[] = [];
  for (const step of steps) {
    if (PHASES.indexOf(step.phase) > PHASES.indexOf(until)) break;
    if (!shouldRun(step, steps, completed)) continue;
    const durationMs = await runStep({ ...ctx, step: step.name }, step);
    completed.add(step.name);
    runs.push({ name: step.name, phase: step.phase, durationMs });
  }
  return runs;
}

async function buildReport(
  sql: postgres.Sql,
  steps: Step[],
  stepsRun: StepRun[],
): Promise<UpgradeReport> {
  const completed = await readCompletedSteps(sql);
  const tables = await sql.begin("isolation level repeatable read read only", (tx) =>
    readTableReports(tx),
  );
  return {
    dryRun: false,
    phaseCompleted: completedPhase(steps, completed),
    stepsRun,
    pendingSteps: pendingSteps(steps, completed),
    tables,
    balanced: tables.every((table) => table.balanced),
  };
}

/**
 * Upgrades a legacy Tapeline database in place (see docs/upgrading.md).
 * Resumable: completed steps are recorded in tapeline_upgrade.steps and
 * skipped by the next run. Returns the report, which a real run also
 * stores in tapeline_upgrade.report and tapeline_upgrade.runs.
 */
export async function upgradeLegacyDatabase(options: UpgradeOptions): Promise<UpgradeReport> {
  const logger = options.logger ?? createLogger("db:upgrade");
  const sql = openSession(options);
  const startedAt = new Date();
  try {
    await sql`select set_config('tapeline_upgrade.session', 'on', false),
                     set_config('tapeline_upgrade.extractor_version', ${options.extractorVersion}, false)`;
    await preflight(sql);
    const target = readTargetSchema();
    const steps = buildSteps(target);
    const ctx: StepContext = {
      sql,
      options: resolveOptions(options),
      target,
      migrations: readTargetMigrations(),
      logger,
      migrate: {
        adminUrl: options.adminUrl,
        appPassword: options.appPassword,
        relayPassword: options.relayPassword,
      },
      step: "",
    };
    if (options.dryRun) return await planDryRun(ctx, steps);

    await acquireUpgradeLock(sql);
    await createStateSchema(sql);
    const stepsRun = await executeSteps(ctx, steps, options.until ?? "switch");
    const report = await buildReport(sql, steps, stepsRun);
    await storeReport(sql, report, startedAt);
    return report;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
