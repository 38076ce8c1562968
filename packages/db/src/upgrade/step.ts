// The step of an upgrade: its name, phase, way of running and work.
import type postgres from "postgres";
import type { Phase, StepContext } from "./context.ts";
import type { TargetTable } from "./target.ts";

/**
 * The way a step runs. A `transaction` step runs in one transaction, which
 * also records it. A `batched` step runs as many short transactions. A
 * `concurrent` step runs outside any transaction (CREATE INDEX
 * CONCURRENTLY, VALIDATE CONSTRAINT). A `session` step opens its own
 * connections.
 */
export type StepKind = "transaction" | "batched" | "concurrent" | "session";

export interface Step {
  name: string;
  phase: Phase;
  kind: StepKind;
  repeat?: boolean;
  /** No statement timeout: the step reads a whole table but blocks no writer. */
  unbounded?: boolean;
  /** What the step changes, for logs and the dry run. */
  summary: string;
  run(ctx: StepContext, tx: postgres.TransactionSql | undefined): Promise<void>;
}

export type Tx = postgres.TransactionSql;

/** The CHECK (column is not null) that lets SET NOT NULL skip its table scan. */
export function presentCheckName(table: string, column: string): string {
  return `${table}_${column}_present`;
}

/** The unique index built in the additive phase that becomes the composite primary key. */
export function keyIndexName(table: TargetTable): string {
  return `${table.primaryKey.name}_next`;
}

