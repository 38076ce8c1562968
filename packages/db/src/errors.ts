// Named error classes of the data layer, each with a stable upper-snake code.

/** SQLSTATE codes the code branches on (PostgreSQL appendix A). */
export const SqlState = {
  uniqueViolation: "23505",
  foreignKeyViolation: "23503",
  checkViolation: "23514",
  notNullViolation: "23502",
  insufficientPrivilege: "42501",
  invalidParameterValue: "22023",
  invalidTextRepresentation: "22P02",
  serializationFailure: "40001",
  lockNotAvailable: "55P03",
} as const;

export class TapelineError extends Error {
  readonly code: string;
  readonly context: Record<string, string | number | undefined>;

  constructor(
    code: string,
    message: string,
    context: Record<string, string | number | undefined> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }
}

/**
 * Error for a tenant transaction whose COMMIT rolled back, because a
 * statement failed and the db.tenant() callback caught its error.
 */
export class TenantTransactionAbortedError extends TapelineError {
  constructor(tenantId: string) {
    super(
      "TENANT_TRANSACTION_ABORTED",
      `The transaction of tenant ${tenantId} was rolled back, not committed: one of its ` +
        "statements failed and the callback caught the error. Let the error propagate, or " +
        "run the statement inside tx.transaction() so that a savepoint contains its failure.",
      { tenantId },
    );
  }
}

/** Error for a statement sent through a db.tenant() transaction after it ended. */
export class TenantTransactionEndedError extends TapelineError {
  constructor() {
    super(
      "TENANT_TRANSACTION_ENDED",
      "This db.tenant() transaction has already committed or rolled back, so the statement " +
        "was not sent. Await every statement before the db.tenant() callback returns or throws.",
    );
  }
}

export class InvalidTenantIdError extends TapelineError {
  constructor(value: unknown) {
    const shown = typeof value === "string" ? JSON.stringify(value.slice(0, 64)) : typeof value;
    super(
      "INVALID_TENANT_ID",
      `Invalid tenant id ${shown}: expected a UUID such as 3f2b1c9e-8d4a-4e6b-9c1d-2a7f5e8b0c31 (the nil UUID is reserved).`,
    );
  }
}

export class DatabaseConfigError extends TapelineError {
  constructor(message: string) {
    super("DATABASE_CONFIG_INVALID", message);
  }
}

/** Returns the SQLSTATE of a PostgreSQL error, or undefined for any other error. */
export function sqlStateOf(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  }
  return undefined;
}
