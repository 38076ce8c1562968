// Fault injection for crash tests: TAPELINE_FAULT_KILL_AT names a point in
// the relay at which the process sends itself SIGKILL, the first time it
// gets there. Unset in every real deployment; readWorkerEnv accepts only
// the names below.
export const FAULT_POINTS = [
  /** A batch is claimed and leased; nothing is delivered yet. */
  "after-claim",
  /** The first tenant group of a batch is marked done; other groups are not. */
  "mid-batch",
  /**
   * A handler's context.withTenant transaction did its work but has not
   * committed. Handlers that open transactions otherwise never reach it.
   */
  "during-handler",
  /** A receiver responded with 2xx; neither the delivery nor the event is recorded yet. */
  "after-delivery",
] as const;

export type FaultPoint = (typeof FAULT_POINTS)[number];

export type FaultTrigger = (point: FaultPoint) => void;

/** Returns a trigger that kills the process at `killAt`, or does nothing when unset. */
export function faultTrigger(killAt: FaultPoint | undefined): FaultTrigger {
  if (!killAt) return () => {};
  return (point) => {
    if (point === killAt) process.kill(process.pid, "SIGKILL");
  };
}
