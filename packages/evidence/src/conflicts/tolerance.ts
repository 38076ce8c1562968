// When two values of the same field count as the same. Canonical forms
// already round money to the cent and percentages to a thousandth of a
// percent; the tolerances below state that contract for values that reach
// the comparison by another path.
import { FIELDS, type FieldType } from "@tapeline/core/fields";

/** Largest difference still treated as equal, by field type; null compares the text. */
const TOLERANCE: Record<FieldType, number | null> = {
  /** Half a cent: amounts equal to the cent. */
  money: 0.005,
  /** Half a thousandth of a percentage point: rates equal to 0.001. */
  percent: 0.0005,
  /** Whole numbers such as a term in months compare exactly. */
  integer: 0,
  date: null,
  code: null,
  text: null,
};

export interface ComparableValue {
  value: string;
  valueNumber: string | null;
}

/** True when `left` and `right`, both values of field `key`, agree within the field's tolerance. */
export function valuesAgree(key: string, left: ComparableValue, right: ComparableValue): boolean {
  const type = FIELDS.get(key)?.type ?? "text";
  const tolerance = TOLERANCE[type];
  if (tolerance !== null && left.valueNumber !== null && right.valueNumber !== null) {
    const difference = Math.abs(Number(left.valueNumber) - Number(right.valueNumber));
    // The epsilon absorbs binary rounding of decimals such as 0.005.
    return difference <= tolerance + 1e-9;
  }
  if (type === "text") {
    return left.value.trim().toLowerCase() === right.value.trim().toLowerCase();
  }
  return left.value === right.value;
}

/**
 * Keys compared between documents under one name. A Loan Estimate states
 * estimated closing costs and the Closing Disclosure the final ones; a
 * difference between them is recorded under `closing_costs`.
 */
export const DOCUMENT_COMPARISON_KEY: Readonly<Record<string, string>> = {
  estimated_closing_costs: "closing_costs",
};

export function documentComparisonKey(key: string): string {
  return DOCUMENT_COMPARISON_KEY[key] ?? key;
}

/**
 * Keys never compared between tape and documents. A loan is matched to
 * its tape row by loan_identifier already, and an HMDA tape carries the
 * ULI where the disclosures print the lender's loan number.
 * NOTE: so a document attached to the wrong loan is not flagged here.
 */
export const TAPE_COMPARISON_EXCLUDED: ReadonlySet<string> = new Set(["loan_identifier"]);
