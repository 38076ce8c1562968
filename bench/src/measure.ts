// Interleaved A/B measurement: our path (A) and its baseline (B) run in
// alternation, A, B, A, B, after one warm-up pair, so drift in machine load
// hits both sides alike. Each round yields one ratio; a figure is the
// median ratio with the minimum and maximum.

export interface Sample {
  /** Operations per second, or the side's own unit (see Side.unit). */
  value: number;
  /** Extra facts about this sample, such as latency percentiles. */
  detail?: Record<string, number>;
}

export interface Side {
  label: string;
  run(): Promise<Sample>;
}

export interface Round {
  ours: Sample;
  baseline: Sample;
  ratio: number;
}

export interface Comparison {
  rounds: Round[];
  median: number;
  min: number;
  max: number;
  oursMedian: number;
  baselineMedian: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  if (sorted.length % 2 === 1) return sorted[middle] as number;
  return ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Runs one warm-up pair, then `rounds` pairs. `ratioOf` turns a pair into
 * the figure's ratio: ours / baseline for throughput, baseline / ours for
 * durations and memory when lower is better.
 */
export async function compare(options: {
  ours: Side;
  baseline: Side;
  rounds: number;
  warmup?: boolean;
  ratioOf?: (ours: number, baseline: number) => number;
}): Promise<Comparison> {
  const ratioOf = options.ratioOf ?? ((ours, baseline) => ours / baseline);
  if (options.warmup ?? true) {
    await options.ours.run();
    await options.baseline.run();
  }

  const rounds: Round[] = [];
  for (let index = 0; index < options.rounds; index++) {
    const ours = await options.ours.run();
    const baseline = await options.baseline.run();
    rounds.push({ ours, baseline, ratio: ratioOf(ours.value, baseline.value) });
  }

  const ratios = rounds.map((round) => round.ratio);
  return {
    rounds,
    median: median(ratios),
    min: Math.min(...ratios),
    max: Math.max(...ratios),
    oursMedian: median(rounds.map((round) => round.ours.value)),
    baselineMedian: median(rounds.map((round) => round.baseline.value)),
  };
}

/**
 * Closed-loop load at fixed concurrency: `concurrency` loops each call
 * `operation` back to back until `durationMs` has passed. Returns
 * completed operations per second and latency percentiles in ms.
 */
export async function throughput(
  operation: (worker: number, iteration: number) => Promise<unknown>,
  options: { concurrency: number; durationMs: number },
): Promise<Sample> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + options.durationMs;

  const loop = async (worker: number) => {
    for (let iteration = 0; performance.now() < deadline; iteration++) {
      const begin = performance.now();
      await operation(worker, iteration);
      latencies.push(performance.now() - begin);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, worker) => loop(worker)));

  const elapsedSeconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (fraction: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * fraction))] ?? 0;
  return {
    value: latencies.length / elapsedSeconds,
    detail: {
      operations: latencies.length,
      p50Ms: round3(at(0.5)),
      p99Ms: round3(at(0.99)),
    },
  };
}

export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
