// Turns one raw tape value into a canonical datapoint, an "unreported"
// result, or an import error naming the value and the fix.
import {
  FIELDS,
  InvalidFieldValueError,
  canonicalize,
  canonicalizeHmdaCode,
} from "../fields/index.ts";
import { ImportErrorCode } from "./errors.ts";
import type { TapeDatapoint, TapeRowError } from "./tape-row.ts";

/**
 * Values that mean "not reported" in HMDA filings and in most lender tapes:
 * they produce no datapoint and no error. Matched exactly, so `na` is an
 * invalid value, not a missing one.
 */
export const NOT_REPORTED_VALUES: ReadonlySet<string> = new Set([
  "",
  "NA",
  "Exempt",
]);

export type FieldResult =
  | { kind: "datapoint"; datapoint: TapeDatapoint }
  | { kind: "not_reported" }
  | { kind: "error"; error: TapeRowError };

export interface FieldSource {
  rowNumber: number;
  /** The column's name in the file, reported on errors. */
  columnName: string;
  /** Extra values that mean "not reported" in this column (HMDA sentinels such as 8888). */
  notReported?: ReadonlySet<string>;
  /** Read code fields as HMDA filing codes (`31`) rather than canonical names. */
  hmdaCodes?: boolean;
}

function readCode(key: string, raw: string, hmdaCodes: boolean) {
  if (hmdaCodes) return canonicalizeHmdaCode(key, raw);
  const normalized = raw
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
  const filingCodes = FIELDS.get(key)?.hmdaCodes;
  if (filingCodes && Object.hasOwn(filingCodes, normalized)) {
    return canonicalizeHmdaCode(key, normalized);
  }
  return canonicalize(key, normalized);
}

/** Canonicalises `raw` for field `key`, returning an invalid value as an error result. */
export function readFieldValue(
  key: string,
  raw: string,
  source: FieldSource,
): FieldResult {
  const trimmed = raw.trim();
  if (NOT_REPORTED_VALUES.has(trimmed) || source.notReported?.has(trimmed)) {
    return { kind: "not_reported" };
  }

  try {
    const isCode = FIELDS.get(key)?.type === "code";
    const canonical = isCode
      ? readCode(key, trimmed, source.hmdaCodes ?? false)
      : canonicalize(key, trimmed);
    return { kind: "datapoint", datapoint: { key, ...canonical } };
  } catch (error) {
    if (!(error instanceof InvalidFieldValueError)) throw error;
    return {
      kind: "error",
      error: {
        rowNumber: source.rowNumber,
        columnName: source.columnName,
        value: raw,
        code: ImportErrorCode.invalidValue,
        reason: `${error.message} Correct the value, or write NA if it is not reported; the row's other fields were imported.`,
      },
    };
  }
}
