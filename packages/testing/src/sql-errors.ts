// Pulls the PostgreSQL error out of whatever a query rejected with (Drizzle
// wraps driver errors in DrizzleQueryError, with the original as `cause`).

export interface PostgresErrorInfo {
  /** SQLSTATE, for example 42501 (insufficient privilege). */
  code: string;
  message: string;
  detail?: string;
  constraint?: string;
}

interface DriverError {
  code: string;
  message: string;
  severity: string;
  detail?: string;
  constraint_name?: string;
}

function isDriverError(value: unknown): value is DriverError {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<DriverError>;
  return typeof candidate.code === "string" && typeof candidate.severity === "string";
}

/** Returns the PostgreSQL error in `error`'s cause chain, or undefined. */
export function postgresErrorOf(error: unknown): PostgresErrorInfo | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (isDriverError(current)) {
      return {
        code: current.code,
        message: current.message,
        detail: current.detail,
        constraint: current.constraint_name,
      };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Awaits `work` and returns the PostgreSQL error it failed with. Throws when
 * it succeeds or fails with anything other than a PostgreSQL error.
 */
export async function captureSqlError(work: Promise<unknown>): Promise<PostgresErrorInfo> {
  try {
    await work;
  } catch (error) {
    const info = postgresErrorOf(error);
    if (info) return info;
    throw error;
  }
  throw new Error("Expected the statement to fail with a PostgreSQL error, but it succeeded.");
}

