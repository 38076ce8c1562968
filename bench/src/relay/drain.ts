// Waits for one side of a relay round to drain its queue. It polls an
// in-process progress counter every 10 ms, so the measured time ends within
// about 10 ms of the last item. It gives up when the round fails or stalls.

const POLL_MS = 10;
const FAILURE_CHECK_MS = 5_000;
/** A round with no progress for this long has stalled (the slowest side does dozens of items a second). */
const STALL_MS = 60_000;

export interface DrainWatch {
  /** Names the side in error messages. */
  label: string;
  count: number;
  /** Items finished so far. */
  progress(): number;
  /** Returns true once the database shows the queue empty; polled after progress reaches `count`. */
  finished?(): Promise<boolean>;
  /** Returns an error once the round can no longer succeed; polled every 5 s, because the relay's check scans event_outbox. */
  failure(): Promise<Error | undefined>;
  /** Text appended to a stall error, such as a worker's last output. */
  diagnostics?(): string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitForDrain(watch: DrainWatch): Promise<void> {
  let lastProgress = -1;
  let lastProgressAt = performance.now();
  let lastFailureCheck = performance.now();
  for (;;) {
    const progress = watch.progress();
    if (progress >= watch.count && (watch.finished === undefined || (await watch.finished()))) return;

    const now = performance.now();
    if (progress !== lastProgress) {
      lastProgress = progress;
      lastProgressAt = now;
    } else if (now - lastProgressAt > STALL_MS) {
      throw new Error(
        `${watch.label} stalled: ${progress} of ${watch.count} done and no progress for ${STALL_MS / 1000} s.` +
          (watch.diagnostics ? ` ${watch.diagnostics()}` : ""),
      );
    }
    if (now - lastFailureCheck > FAILURE_CHECK_MS) {
      lastFailureCheck = now;
      const error = await watch.failure();
      if (error) throw error;
    }
    await sleep(POLL_MS);
  }
}
