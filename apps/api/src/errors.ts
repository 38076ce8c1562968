// The API's one error type and one error handler. Every failure leaves as
// `{ "error": { "code": "UPPER_SNAKE", "message": "..." } }`. Domain errors
// keep their code. Database errors become a generic 500, and their log line
// carries the SQLSTATE and constraint name but no SQL, parameters or row
// content.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { InvalidReadRequestError } from "@tapeline/core/loans";
import { ImportRequestError } from "@tapeline/core/imports";
import { InvalidTenantIdError, type Logger } from "@tapeline/db";

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ApiError";
  }
}

/**
 * The request body stopped arriving: the client disconnected or the
 * connection failed mid-upload. Logged at warn, because no server fault
 * is involved and the client will rarely read the response.
 */
export class RequestAbortedError extends ApiError {
  constructor(cause: unknown) {
    super(
      400,
      "REQUEST_ABORTED",
      "The request body ended before it was complete: the connection closed mid-upload.",
      {},
      { cause },
    );
    this.name = "RequestAbortedError";
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

const importStatus: Record<string, ContentfulStatusCode> = {
  FILE_TOO_LARGE: 413,
  TENANT_NOT_FOUND: 403,
};

/** Converts a known domain error to an ApiError; returns undefined for anything else. */
function fromDomainError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof ImportRequestError) {
    return new ApiError(importStatus[error.code] ?? 400, error.code, error.message);
  }
  if (error instanceof InvalidReadRequestError) {
    return new ApiError(400, error.code, error.message);
  }
  if (error instanceof InvalidTenantIdError) {
    return new ApiError(401, "INVALID_TOKEN", "The token's tenant_id claim is not a tenant UUID.");
  }
  if (error instanceof HTTPException) {
    const code = error.status === 415 ? "UNSUPPORTED_MEDIA_TYPE" : "HTTP_ERROR";
    return new ApiError(error.status as ContentfulStatusCode, code, error.message);
  }
  return undefined;
}

interface DatabaseErrorFields {
  code: string;
  constraint_name?: string;
  table_name?: string;
  routine?: string;
}

/** Finds a PostgreSQL error in the cause chain; drizzle wraps them in DrizzleQueryError. */
function databaseErrorOf(error: unknown): DatabaseErrorFields | undefined {
  let current = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) {
      return current as DatabaseErrorFields;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Log fields of an unexpected error. For a database error only its
 * SQLSTATE, constraint, table and routine: the message and detail of a
 * PostgreSQL error can quote row values, and drizzle's wrapper quotes the
 * SQL and its parameters.
 */
function safeErrorFields(error: unknown): Record<string, unknown> {
  const database = databaseErrorOf(error);
  if (database) {
    return {
      sqlState: database.code,
      constraint: database.constraint_name,
      table: database.table_name,
      routine: database.routine,
    };
  }
  if (isQueryWrapper(error)) {
    return error.cause === undefined
      ? { errorName: "DrizzleQueryError" }
      : safeErrorFields(error.cause);
  }
  if (error instanceof Error) {
    return { errorName: error.name, errorMessage: error.message, stack: error.stack };
  }
  return { errorType: typeof error };
}

/** drizzle's DrizzleQueryError, whose message quotes the SQL and its parameters. */
function isQueryWrapper(error: unknown): error is Error & { cause?: unknown } {
  return error instanceof Error && "query" in error && "params" in error;
}

/** Data exceptions (class 22) and check violations come from input that slipped past validation. */
function isBadInputSqlState(sqlState: string): boolean {
  return sqlState.startsWith("22") || sqlState === "23514";
}

export function errorResponse(c: Context, error: ApiError): Response {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return c.json(body, error.status);
}

/** Returns the JSON error response for any thrown value, logging unexpected ones. */
export function handleError(error: unknown, c: Context, logger: Logger): Response {
  const requestId = c.get("requestId") as string | undefined;
  const tenantId = c.get("tenantId") as string | undefined;
  if (error instanceof RequestAbortedError) {
    const cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
    logger.warn({ requestId, tenantId, cause }, "request aborted by the client");
    return errorResponse(c, error);
  }
  const known = fromDomainError(error);
  if (known) return errorResponse(c, known);

  const fields = { requestId, tenantId, ...safeErrorFields(error) };
  const sqlState = databaseErrorOf(error)?.code;
  if (sqlState && isBadInputSqlState(sqlState)) {
    logger.warn(fields, "database rejected a value that passed request validation");
    return errorResponse(
      c,
      new ApiError(400, "INVALID_INPUT", "A value in the request was rejected: check its format and range."),
    );
  }
  logger.error(fields, "request failed with an unexpected error");
  return errorResponse(
    c,
    new ApiError(500, "INTERNAL_ERROR", `The request failed; quote request id ${requestId} when reporting it.`),
  );
}
