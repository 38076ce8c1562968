// Errors of the evidence workflow. Each has a stable `code` and a `kind`
// that callers map to their own protocol (the API to HTTP statuses).
import { TapelineError } from "@tapeline/db";

export type EvidenceErrorKind =
  /** The request is malformed: fix it and send it again. */
  | "invalid"
  /** The loan, document, conflict or rule does not exist for this tenant. */
  | "not_found"
  /** The request is valid, but the row's state does not allow it. */
  | "conflict"
  /** The tenant may read the row but not change it (a global rule). */
  | "forbidden"
  /** The uploaded file exceeds the configured limit. */
  | "too_large";

export class EvidenceError extends TapelineError {
  constructor(
    readonly kind: EvidenceErrorKind,
    code: string,
    message: string,
    context: Record<string, string | number | undefined> = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, context, options);
  }
}

/** Walks an error's `cause` chain for a PostgreSQL error (drizzle wraps them). */
export function databaseErrorOf(
  error: unknown,
): { code: string; constraint_name?: string } | undefined {
  let current = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) {
      return current as { code: string; constraint_name?: string };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
