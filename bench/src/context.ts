// What every figure gets: the run mode, the cluster, the generated data and
// the shared connection pools.
import type postgres from "postgres";
import type { AppDatabase } from "@tapeline/db";
import type { BenchCluster } from "./cluster.ts";
import type { GeneratedData } from "./generate/database.ts";
import type { Comparison } from "./measure.ts";
import type { PlanRecorder } from "./plans.ts";

export interface Mode {
  name: "quick" | "full";
  tenants: number;
  loans: number;
  /** Measured A/B pairs after the warm-up pair. */
  rounds: number;
  /** Length of one side of one round of a database figure. */
  durationMs: number;
  /** Concurrent loops for database figures (and the pool size). */
  concurrency: number;
  /** Concurrent loops for whole-tenant scans, which take tens of ms each. */
  scanConcurrency: number;
  /** Length of one side of one round of an HTTP figure, in seconds. */
  httpSeconds: number;
  /** Concurrent HTTP connections (autocannon, no pipelining). */
  httpConnections: number;
  /** Loan rows of the tape that the import figure imports in each round. */
  importTapeRows: number;
  /** Rounds of the import figure against each baseline. */
  importRounds: number;
  /** Loan rows of the two tapes whose peak RSS the import-memory figure compares. */
  memoryTapeRows: { small: number; large: number };
  /** Pending events (relay) and no-op jobs (graphile-worker) drained per round. */
  relayEvents: number;
  /** Events and jobs of the relay figure's warm-up pair (at most relayEvents). */
  relayWarmupEvents: number;
  /**
   * Measured pairs of the relay figure after its warm-up pair. Five, the
   * fewest the suite allows, because a full-size graphile-worker round
   * alone takes minutes.
   */
  relayRounds: number;
}

export const MODES: Record<Mode["name"], Mode> = {
  quick: {
    name: "quick",
    tenants: 8,
    loans: 3_000,
    rounds: 5,
    durationMs: 200,
    concurrency: 8,
    scanConcurrency: 2,
    httpSeconds: 1,
    httpConnections: 16,
    importTapeRows: 300,
    importRounds: 5,
    memoryTapeRows: { small: 300, large: 3_000 },
    relayEvents: 200,
    relayWarmupEvents: 50,
    relayRounds: 5,
  },
  full: {
    name: "full",
    tenants: 40,
    loans: 100_000,
    rounds: 5,
    durationMs: 2_000,
    concurrency: 8,
    scanConcurrency: 2,
    httpSeconds: 4,
    httpConnections: 16,
    // NOTE: the import figure imports a 10,000-row tape, a tenth of the
    // data set's 100,000 loans. An import ran at about 500 loan rows/s on 2
    // shared cores, because each row writes about 19 datapoints and as many
    // audits rows. The figure's 11 imports take about 4 minutes at 10,000
    // rows and would take over 30 at 100,000. import-memory keeps the 100,000 and
    // 1,000,000-row tapes, one import each; the large one takes the better
    // part of an hour.
    importTapeRows: 10_000,
    importRounds: 5,
    memoryTapeRows: { small: 100_000, large: 1_000_000 },
    relayEvents: 100_000,
    relayWarmupEvents: 5_000,
    relayRounds: 5,
  },
};

export interface Samples {
  /** Loans of the large tenant, in random order. */
  loanIds: string[];
  loanNumbers: string[];
}

export interface BenchContext {
  mode: Mode;
  cluster: BenchCluster;
  data: GeneratedData;
  /** tapeline_app pool: our path. */
  app: AppDatabase;
  /** The BYPASSRLS role through the same AppDatabase: same transaction shape, no policies. */
  bypass: AppDatabase;
  /** Raw postgres.js as the BYPASSRLS role: no transaction, no policies. */
  raw: postgres.Sql;
  plans: PlanRecorder;
  samples: Samples;
  /** Prints a progress line to stderr. */
  log(message: string): void;
}

export type Goal =
  | { kind: "at-least"; value: number; text: string }
  | { kind: "at-most"; value: number; text: string }
  | { kind: "report"; text: string };

export interface FigureResult {
  id: string;
  ours: string;
  baseline: string;
  /** Unit of the two sides' values, for example "ops/s" or "MiB". */
  unit: string;
  goal: Goal;
  status: "met" | "missed" | "reported" | "not measured";
  comparison?: Comparison;
  /** Facts beyond the ratio: events per second, concurrency, row counts. */
  facts?: Record<string, string | number>;
  note?: string;
}

/** Judges a comparison's median against its goal. */
export function judge(goal: Goal, comparison: Comparison): FigureResult["status"] {
  if (goal.kind === "report") return "reported";
  if (goal.kind === "at-least") return comparison.median >= goal.value ? "met" : "missed";
  return comparison.median <= goal.value ? "met" : "missed";
}

/** Picks the i-th sample, cycling. */
export function pick<T>(values: T[], index: number): T {
  return values[index % values.length] as T;
}
