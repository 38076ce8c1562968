// The session an upgrade runs on, and the ways a step may use it: short
// transactions under a lock timeout, batches of short transactions, and
// statements outside any transaction for CREATE INDEX CONCURRENTLY.
import type postgres from "postgres";
import { sqlStateOf } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { MigrateOptions } from "../migrate.ts";
import { RetryableSqlState } from "./errors.ts";
import type { MigrationFile, TargetSchema } from "./target.ts";

export interface UpgradeHooks {
  /**
   * Called after a step's work and before its completion is recorded, inside
   * the step's transaction when it has one. Throwing here simulates a crash.
   */
  afterStepWork?: (step: string) => void | Promise<void>;
  /** Called after a step is recorded as completed. */
  afterStep?: (step: string, phase: Phase) => void | Promise<void>;
  /** Called after each committed batch of a batched step. */
  afterBatch?: (step: string, batch: number) => void | Promise<void>;
}

export type Phase = "additive" | "switch";

export interface ResolvedUpgradeOptions {
  extractorVersion: string;
  /** Rows per batch in quarantine moves and backfills. */
  batchSize: number;
  /** lock_timeout of every statement that takes a lock, in milliseconds. */
  lockTimeoutMs: number;
  /** statement_timeout of DDL and batch statements, in milliseconds. */
  statementTimeoutMs: number;
  /** Attempts per transaction when a lock is not available. */
  lockAttempts: number;
  hooks: UpgradeHooks;
}

export interface StepContext {
  sql: postgres.Sql;
  options: ResolvedUpgradeOptions;
  target: TargetSchema;
  migrations: MigrationFile[];
  logger: Logger;
  /** Connection settings of the normal migrator, for migrations newer than 0004. */
  migrate: MigrateOptions;
  step: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isRetryable(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state === RetryableSqlState.lockNotAvailable || state === RetryableSqlState.deadlockDetected;
}

/**
 * Runs `work` and retries it when a lock was not available within the lock
 * timeout (or a deadlock chose it), with a growing pause in between, so a
 * step never queues behind a long transaction for more than the timeout.
 */
export async function withLockRetry<T>(ctx: StepContext, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!isRetryable(error) || attempt >= ctx.options.lockAttempts) throw error;
      ctx.logger.warn(
        { step: ctx.step, attempt, attempts: ctx.options.lockAttempts, sqlState: sqlStateOf(error) },
        "lock not available; retrying the transaction",
      );
      await sleep(Math.min(200 * attempt, 2000));
    }
  }
}

/** Opens a transaction with the lock and statement timeouts set for it alone. */
export async function inTransaction<T>(
  ctx: StepContext,
  work: (tx: postgres.TransactionSql) => Promise<T>,
  timeouts: { statementTimeoutMs?: number } = {},
): Promise<T> {
  const statementTimeout = timeouts.statementTimeoutMs ?? ctx.options.statementTimeoutMs;
  return withLockRetry(ctx, () =>
    ctx.sql.begin(async (tx) => {
      await tx.unsafe(
        `set local lock_timeout = ${Math.round(ctx.options.lockTimeoutMs)};
         set local statement_timeout = ${Math.round(statementTimeout)}`,
      );
      return work(tx);
    }) as Promise<T>,
  );
}

/**
 * Runs a statement outside a transaction, because CREATE INDEX
 * CONCURRENTLY cannot run inside one. The lock timeout applies and the
 * statement timeout does not. The statements run this way (CREATE and DROP
 * INDEX CONCURRENTLY, VALIDATE CONSTRAINT) take SHARE UPDATE EXCLUSIVE,
 * which does not conflict with inserts, updates or deletes.
 */
export async function outsideTransaction(ctx: StepContext, statement: string): Promise<void> {
  await withLockRetry(ctx, async () => {
    await ctx.sql.unsafe(`set lock_timeout = ${Math.round(ctx.options.lockTimeoutMs)}`);
    await ctx.sql.unsafe("set statement_timeout = 0");
    await ctx.sql.unsafe(statement);
  });
}

/**
 * Runs `batch` in its own transaction until it reports zero rows. Each call
 * commits, so a failure loses at most one batch of work, and a rerun
 * resumes where the last commit left off.
 */
export async function inBatches(
  ctx: StepContext,
  batch: (tx: postgres.TransactionSql) => Promise<number>,
): Promise<number> {
  let total = 0;
  for (let index = 1; ; index += 1) {
    const rows = await inTransaction(ctx, batch);
    if (rows === 0) return total;
    total += rows;
    await ctx.options.hooks.afterBatch?.(ctx.step, index);
  }
}
