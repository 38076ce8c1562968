// Field rules for the Loan Estimate and the Closing Disclosure: the label
// printed next to each field and the parser for its value. Labels are matched
// case-insensitively at the start of a text run, because the forms print
// them as runs of their own ("LOAN TERM", "Loan Amount"), while prose that
// mentions "the loan amount" mid-sentence is no label.
import type { DocumentType } from "../document-type.ts";
import {
  parseDate,
  parseLoanIdentifier,
  parseLoanPurpose,
  parseLoanType,
  parseMoney,
  parsePercent,
  parseRunText,
  parseTermInMonths,
  type ValueParser,
} from "./values.ts";

export interface FieldRule {
  key: string;
  /** Sticky, case-insensitive patterns tried at the start of each run. */
  labels: readonly RegExp[];
  parse: ValueParser;
  documentTypes: readonly DocumentType[];
  /**
   * Whether a candidate that extends another one (a loan ID glued to the
   * text run after it) counts as that shorter value.
   */
  reconcileGluedRuns?: boolean;
}

const BOTH_FORMS: readonly DocumentType[] = [
  "loan_estimate",
  "closing_disclosure",
];

function label(source: string): RegExp {
  return new RegExp(`${source}\\b`, "iy");
}

export const FIELD_RULES: readonly FieldRule[] = [
  {
    key: "loan_amount",
    labels: [label("Loan Amount")],
    parse: parseMoney,
    documentTypes: BOTH_FORMS,
  },
  {
    key: "interest_rate",
    labels: [label("Interest Rate")],
    parse: parsePercent,
    documentTypes: BOTH_FORMS,
  },
  {
    key: "loan_term_months",
    labels: [label("Loan Term")],
    parse: parseTermInMonths,
    documentTypes: BOTH_FORMS,
  },
  {
    key: "loan_identifier",
    // The header field, and the footer "PAGE 1 OF 3 • LOAN ID # 123456789".
    labels: [label("Loan ID"), label("PAGE \\d+ OF \\d+\\W+LOAN ID")],
    parse: parseLoanIdentifier,
    documentTypes: BOTH_FORMS,
    reconcileGluedRuns: true,
  },
  {
    key: "date_issued",
    labels: [label("Date Issued")],
    parse: parseDate,
    documentTypes: BOTH_FORMS,
  },
  {
    key: "product",
    labels: [label("Product")],
    parse: parseRunText,
    documentTypes: BOTH_FORMS,
  },
  {
    key: "loan_purpose",
    labels: [label("Purpose")],
    parse: parseLoanPurpose,
    documentTypes: BOTH_FORMS,
  },
  {
    key: "loan_type",
    labels: [label("Loan Type")],
    parse: parseLoanType,
    documentTypes: BOTH_FORMS,
  },
  {
    key: "sale_price",
    labels: [label("Sale Price")],
    parse: parseMoney,
    documentTypes: BOTH_FORMS,
  },
  {
    key: "estimated_closing_costs",
    labels: [label("Estimated Closing Costs")],
    parse: parseMoney,
    documentTypes: ["loan_estimate"],
  },
  {
    // The Closing Disclosure's "Costs at Closing" box on page 1.
    key: "closing_costs",
    labels: [label("Closing Costs")],
    parse: parseMoney,
    documentTypes: ["closing_disclosure"],
  },
];
