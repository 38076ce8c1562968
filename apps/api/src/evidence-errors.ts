// Maps the evidence workflow's errors to API errors, for the document,
// conflict, defect and rule routes.
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { EvidenceError, type EvidenceErrorKind } from "@tapeline/evidence";
import { ApiError } from "./errors.ts";

const STATUS: Record<EvidenceErrorKind, ContentfulStatusCode> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  too_large: 413,
};

/** Runs `work`, converting an EvidenceError to the ApiError with the same code. */
export async function withEvidenceErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof EvidenceError) {
      throw new ApiError(STATUS[error.kind], error.code, error.message, {}, { cause: error });
    }
    throw error;
  }
}
