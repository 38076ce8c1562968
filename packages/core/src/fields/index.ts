// The canonical field dictionary: every datapoint key, its type, and the one
// text form each value is stored and compared in. Tape parsers and document
// extractors both canonicalise through here, so "4%" on a PDF and "4.0" in a
// tape become the same `4.000`.
import { z } from "zod";

export type FieldType = "money" | "percent" | "integer" | "date" | "text" | "code";

export interface FieldDefinition {
  key: string;
  label: string;
  type: FieldType;
  /** Allowed canonical values, for `code` fields. */
  codes?: readonly string[];
  /**
   * For `code` fields reported on HMDA filings: the canonical value of each
   * filing code (the loan/application register codes used since 2018).
   */
  hmdaCodes?: Readonly<Record<string, string>>;
}

export const LOAN_PURPOSE_CODES = [
  "purchase",
  "home_improvement",
  "refinancing",
  "cash_out_refinancing",
  "other",
  "not_applicable",
] as const;

export const LOAN_TYPE_CODES = ["conventional", "fha", "va", "usda_rd"] as const;

export const OCCUPANCY_CODES = [
  "principal_residence",
  "second_residence",
  "investment_property",
] as const;

export const ACTION_TAKEN_CODES = [
  "originated",
  "approved_not_accepted",
  "denied",
  "withdrawn",
  "closed_incomplete",
  "purchased",
  "preapproval_denied",
  "preapproval_approved_not_accepted",
] as const;

export const LIEN_STATUS_CODES = ["first_lien", "subordinate_lien"] as const;

const definitions: FieldDefinition[] = [
  { key: "loan_identifier", label: "Loan identifier (ULI or lender loan ID)", type: "text" },
  { key: "loan_amount", label: "Loan amount", type: "money" },
  { key: "interest_rate", label: "Interest rate (percent)", type: "percent" },
  { key: "loan_term_months", label: "Loan term (months)", type: "integer" },
  { key: "property_value", label: "Property value", type: "money" },
  { key: "sale_price", label: "Sale price", type: "money" },
  { key: "combined_loan_to_value", label: "Combined loan-to-value ratio (percent)", type: "percent" },
  { key: "debt_to_income", label: "Debt-to-income ratio (percent, or an HMDA range)", type: "percent" },
  { key: "state", label: "Property state (two-letter code)", type: "text" },
  { key: "county", label: "County (5-digit FIPS code)", type: "text" },
  {
    key: "loan_purpose",
    label: "Loan purpose",
    type: "code",
    codes: LOAN_PURPOSE_CODES,
    hmdaCodes: {
      "1": "purchase",
      "2": "home_improvement",
      "31": "refinancing",
      "32": "cash_out_refinancing",
      "4": "other",
      "5": "not_applicable",
    },
  },
  {
    key: "loan_type",
    label: "Loan type",
    type: "code",
    codes: LOAN_TYPE_CODES,
    hmdaCodes: { "1": "conventional", "2": "fha", "3": "va", "4": "usda_rd" },
  },
  { key: "product", label: "Loan product", type: "text" },
  { key: "application_date", label: "Application date", type: "date" },
  { key: "action_taken_date", label: "Action taken date", type: "date" },
  { key: "date_issued", label: "Date issued", type: "date" },
  { key: "income", label: "Gross annual income (thousands of dollars)", type: "integer" },
  { key: "estimated_closing_costs", label: "Estimated closing costs", type: "money" },
  { key: "closing_costs", label: "Closing costs", type: "money" },
  { key: "lender_name", label: "Lender name", type: "text" },
  { key: "lei", label: "Legal Entity Identifier of the lender", type: "text" },
  {
    key: "occupancy",
    label: "Occupancy type",
    type: "code",
    codes: OCCUPANCY_CODES,
    hmdaCodes: {
      "1": "principal_residence",
      "2": "second_residence",
      "3": "investment_property",
    },
  },
  {
    key: "action_taken",
    label: "Action taken on the application",
    type: "code",
    codes: ACTION_TAKEN_CODES,
    hmdaCodes: {
      "1": "originated",
      "2": "approved_not_accepted",
      "3": "denied",
      "4": "withdrawn",
      "5": "closed_incomplete",
      "6": "purchased",
      "7": "preapproval_denied",
      "8": "preapproval_approved_not_accepted",
    },
  },
  {
    key: "lien_status",
    label: "Lien status",
    type: "code",
    codes: LIEN_STATUS_CODES,
    hmdaCodes: { "1": "first_lien", "2": "subordinate_lien" },
  },
  { key: "zip_code", label: "Property ZIP code", type: "text" },
  { key: "census_tract", label: "Census tract (11-digit code)", type: "text" },
  { key: "rate_spread", label: "Rate spread (percentage points)", type: "percent" },
  { key: "credit_score", label: "Credit score of the applicant", type: "integer" },
  { key: "total_loan_costs", label: "Total loan costs", type: "money" },
  { key: "origination_charges", label: "Origination charges", type: "money" },
  { key: "discount_points", label: "Discount points", type: "money" },
  { key: "lender_credits", label: "Lender credits", type: "money" },
  { key: "prepayment_penalty_term_months", label: "Prepayment penalty term (months)", type: "integer" },
  { key: "introductory_rate_period_months", label: "Introductory rate period (months)", type: "integer" },
  { key: "total_units", label: "Total dwelling units", type: "integer" },
];

export const FIELDS: ReadonlyMap<string, FieldDefinition> = new Map(
  definitions.map((definition) => [definition.key, definition]),
);

export const FIELD_KEYS = definitions.map((definition) => definition.key);

export const fieldKeySchema = z.string().refine((key) => FIELDS.has(key), {
  message: `unknown field key; expected one of: ${FIELD_KEYS.join(", ")}`,
});

export interface CanonicalValue {
  /** The stored text form: money `211000.00`, percent `4.125`, integer `360`, date `2013-02-15`. */
  value: string;
  /** The same value as a decimal string for numeric fields, else null. */
  valueNumber: string | null;
}

export class InvalidFieldValueError extends Error {
  readonly code = "INVALID_FIELD_VALUE";
  constructor(
    readonly key: string,
    readonly raw: string,
    readonly expected: string,
  ) {
    super(`Invalid value ${JSON.stringify(raw.slice(0, 80))} for ${key}: expected ${expected}.`);
  }
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
/** HMDA reports some ratios as ranges such as `20%-<30%` or `>60%`. */
const PERCENT_RANGE = /^(<|>)?\d+(\.\d+)?%(-<?\d+(\.\d+)?%)?$/;

function toFixed(raw: string, scale: number): string {
  const [whole = "0", fraction = ""] = raw.replace(/^\+/, "").split(".");
  const negative = whole.startsWith("-");
  const digits = negative ? whole.slice(1) : whole;
  const padded = (fraction + "0".repeat(scale)).slice(0, scale);
  const roundUp = Number(fraction[scale] ?? "0") >= 5;
  let scaled = BigInt((digits || "0") + padded);
  if (roundUp) scaled += 1n;
  const text = scaled.toString().padStart(scale + 1, "0");
  const result = scale === 0 ? text : `${text.slice(0, -scale)}.${text.slice(-scale)}`;
  return negative && scaled !== 0n ? `-${result}` : result;
}

function canonicalDecimal(key: string, raw: string, scale: number, expected: string): CanonicalValue {
  const cleaned = raw.replace(/[$,\s]/g, "").replace(/%$/, "");
  if (!DECIMAL.test(cleaned)) throw new InvalidFieldValueError(key, raw, expected);
  const value = toFixed(cleaned, scale);
  return { value, valueNumber: value };
}

function canonicalDate(key: string, raw: string): CanonicalValue {
  const trimmed = raw.trim();
  let match = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(trimmed);
  let year: number, month: number, day: number;
  if (match) {
    [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else {
    match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(trimmed);
    if (!match) throw new InvalidFieldValueError(key, raw, "a date as YYYYMMDD, YYYY-MM-DD or M/D/YYYY");
    [month, day, year] = [Number(match[1]), Number(match[2]), Number(match[3])];
  }
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw new InvalidFieldValueError(key, raw, "a calendar date that exists");
  }
  return { value: date.toISOString().slice(0, 10), valueNumber: null };
}

/**
 * Converts an HMDA filing code to the canonical code of a `code` field (for
 * loan_purpose, `31` becomes `refinancing`). Throws InvalidFieldValueError
 * listing the filing codes when the code is not one of them.
 */
export function canonicalizeHmdaCode(key: string, raw: string): CanonicalValue {
  const field = FIELDS.get(key);
  const codes = field?.hmdaCodes;
  if (!codes) {
    throw new InvalidFieldValueError(key, raw, "a field that has HMDA filing codes");
  }
  const value = Object.hasOwn(codes, raw.trim()) ? codes[raw.trim()] : undefined;
  if (value === undefined) {
    const listed = Object.entries(codes).map(([code, name]) => `${code} (${name})`);
    throw new InvalidFieldValueError(key, raw, `one of ${listed.join(", ")}`);
  }
  return { value, valueNumber: null };
}

/**
 * Converts a raw value to the field's canonical form. Throws
 * InvalidFieldValueError naming the key, the value and the expected form.
 */
export function canonicalize(key: string, raw: string): CanonicalValue {
  const field = FIELDS.get(key);
  if (!field) throw new InvalidFieldValueError(key, raw, `a known field key (${FIELD_KEYS.join(", ")})`);
  const trimmed = raw.trim();
  if (trimmed === "") throw new InvalidFieldValueError(key, raw, "a non-empty value");

  switch (field.type) {
    case "money":
      return canonicalDecimal(key, trimmed, 2, "an amount such as 211000 or $211,000.00");
    case "percent":
      if (PERCENT_RANGE.test(trimmed.replace(/\s/g, "")) && /[<>]|%-/.test(trimmed)) {
        return { value: trimmed.replace(/\s/g, ""), valueNumber: null };
      }
      return canonicalDecimal(key, trimmed, 3, "a percentage such as 4.125 or 4.125%");
    case "integer": {
      const cleaned = trimmed.replace(/,/g, "");
      if (!/^[+-]?\d+$/.test(cleaned)) throw new InvalidFieldValueError(key, raw, "a whole number");
      const value = BigInt(cleaned).toString();
      return { value, valueNumber: value };
    }
    case "date":
      return canonicalDate(key, trimmed);
    case "code":
      if (!field.codes?.includes(trimmed)) {
        throw new InvalidFieldValueError(key, raw, `one of ${field.codes?.join(", ")}`);
      }
      return { value: trimmed, valueNumber: null };
    case "text":
      return { value: key === "state" ? trimmed.toUpperCase() : trimmed, valueNumber: null };
  }
}
