// Errors of the legacy upgrade, each with a stable code and the step it
// concerns.
import { TapelineError } from "../errors.ts";

/** SQLSTATEs the upgrade retries: another session held a lock it needed. */
export const RetryableSqlState = {
  lockNotAvailable: "55P03",
  deadlockDetected: "40P01",
} as const;

export class UpgradeError extends TapelineError {
  constructor(
    code: string,
    message: string,
    context: Record<string, string | number | undefined> = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, context, options);
  }
}

export class UpgradeStepError extends UpgradeError {
  constructor(step: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      "UPGRADE_STEP_FAILED",
      `Upgrade step ${step} failed: ${reason}. Completed steps are kept; ` +
        `run the same command again to resume from this step.`,
      { step },
      { cause },
    );
  }
}
