// Input checks shared by the read queries. The API validates first; these
// repeat the checks so that no caller can send a malformed value to SQL.
import { z } from "zod";
import { TapelineError } from "@tapeline/db";

/** A read that cannot be served: a malformed id or cursor, or an out-of-range limit. */
export class InvalidReadRequestError extends TapelineError {}

/** Any 8-4-4-4-12 hex UUID, as PostgreSQL's uuid type accepts it; lower-cased. */
export const uuidText = z.guid().transform((value) => value.toLowerCase());

/** Returns `value` in lower case when it is a UUID; else throws InvalidReadRequestError naming `parameter`. */
export function checkId(value: string, parameter: string): string {
  const parsed = uuidText.safeParse(value);
  if (!parsed.success) {
    throw new InvalidReadRequestError(
      "INVALID_ID",
      `Invalid ${parameter} ${JSON.stringify(value.slice(0, 64))}: expected a UUID ` +
        "such as 3f2b1c9e-8d4a-4e6b-9c1d-2a7f5e8b0c31.",
      { parameter },
    );
  }
  return parsed.data;
}
