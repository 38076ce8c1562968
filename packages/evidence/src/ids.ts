// Input checks for ids and free text shared by the evidence functions.
import { z } from "zod";
import { EvidenceError } from "./errors.ts";

const uuid = z.guid().transform((value) => value.toLowerCase());

/** Returns `value` lower-cased when it is a UUID; else throws EvidenceError naming `parameter`. */
export function checkId(value: string, parameter: string): string {
  const parsed = uuid.safeParse(value);
  if (!parsed.success) {
    throw new EvidenceError(
      "invalid",
      "INVALID_ID",
      `Invalid ${parameter} ${JSON.stringify(String(value).slice(0, 64))}: ` +
        "expected a UUID such as 3f2b1c9e-8d4a-4e6b-9c1d-2a7f5e8b0c31.",
      { parameter },
    );
  }
  return parsed.data;
}

export const MAX_REASON_LENGTH = 2000;

/** Returns the trimmed reason, or throws EvidenceError when it is empty or too long. */
export function checkReason(value: unknown): string {
  const text = typeof value === "string" ? value.trim() : "";
  if (text === "" || text.length > MAX_REASON_LENGTH) {
    throw new EvidenceError(
      "invalid",
      "INVALID_REASON",
      `Invalid reason: give 1 to ${MAX_REASON_LENGTH} characters saying why ` +
        "the conflict is settled.",
    );
  }
  return text;
}
