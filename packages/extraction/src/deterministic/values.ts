// Parsers for the value that follows a label on the TRID disclosure forms.
// Each returns the input for canonicalize() and where the value sits, or
// null when the text after the label holds no value of that kind.

export interface ParsedValue {
  /** Input for `canonicalize()`. */
  raw: string;
  /** Offset of the value's first character in `rest`. */
  start: number;
  /** Offset after the value's last character in `rest`. */
  end: number;
}

/**
 * @param rest the line's text after the label and its separators
 * @param runRest the part of `rest` inside the run where `rest` starts
 */
export type ValueParser = (rest: string, runRest: string) => ParsedValue | null;

function anchored(
  pattern: RegExp,
  toRaw = (match: RegExpExecArray) => match[1] ?? match[0],
) {
  return (rest: string): ParsedValue | null => {
    const match = pattern.exec(rest);
    if (!match) return null;
    return { raw: toRaw(match), start: 0, end: match[0].length };
  };
}

/** Parses "$211,000" or "$9,712.10". The dollar sign is required. */
export const parseMoney: ValueParser = anchored(
  /^\$ ?((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{2})?)(?!\d|,\d)/,
);

/** Parses "4%" or "3.875 %". */
export const parsePercent: ValueParser = anchored(
  /^(\d{1,2}(?:\.\d{1,4})?) ?%/,
);

/** Parses "2/15/2013". canonicalize() rejects dates that do not exist. */
export const parseDate: ValueParser = anchored(
  /^(\d{1,2}\/\d{1,2}\/\d{4})(?!\d)/,
);

/** Parses a term in months: "30 years" becomes "360". */
export const parseTermInMonths: ValueParser = anchored(
  /^(\d{1,3}) ?(years?|yrs?|months?|mos?)\b\.?/i,
  (match) => {
    const count = Number(match[1]);
    const inYears = /^y/i.test(match[2] ?? "");
    return String(inYears ? count * 12 : count);
  },
);

/**
 * Parses a loan number: letters, digits and hyphens, with at least one
 * digit, so that a neighbouring label such as "RATE LOCK" is no ID.
 */
export const parseLoanIdentifier: ValueParser = (rest) => {
  const match = /^[A-Z0-9][A-Z0-9-]{3,39}(?![A-Z0-9-])/i.exec(rest);
  if (!match || !/\d/.test(match[0])) return null;
  return { raw: match[0], start: 0, end: match[0].length };
};

/** Parses free text up to the end of its run, such as "Fixed Rate". */
export const parseRunText: ValueParser = (_rest, runRest) => {
  const text = runRest.trimEnd();
  if (!/\p{L}/u.test(text)) return null;
  return { raw: text, start: 0, end: text.length };
};

/**
 * The forms' purposes mapped to HMDA loan purpose codes. Regulation Z
 * (12 CFR 1026.37(a)(9)) allows four: Purchase, Refinance, Construction
 * and Home Equity Loan. Construction and Home Equity Loan become "other".
 */
const PURPOSES: ReadonlyArray<[RegExp, string]> = [
  [/^purchase\b/i, "purchase"],
  [/^cash[- ]?out refinanc(?:e|ing)\b/i, "cash_out_refinancing"],
  // NOTE: the forms print "Refinance" for cash-out refinancings too, so a
  // cash-out loan reads as "refinancing" here.
  [/^refinanc(?:e|ing)\b/i, "refinancing"],
  [/^home improvement\b/i, "home_improvement"],
  [/^(?:construction|home equity(?: loan)?)\b/i, "other"],
];

export const parseLoanPurpose: ValueParser = (rest) => {
  for (const [pattern, code] of PURPOSES) {
    const match = pattern.exec(rest);
    if (match) return { raw: code, start: 0, end: match[0].length };
  }
  return null;
};

const LOAN_TYPES: Readonly<Record<string, string>> = {
  conventional: "conventional",
  fha: "fha",
  va: "va",
  usda: "usda_rd",
};

/**
 * Parses the checked box of "LOAN TYPE x Conventional FHA VA": the option
 * right after an "x" or ballot-box mark, anywhere on the rest of the line.
 */
export const parseLoanType: ValueParser = (rest) => {
  const match =
    /(^|\s)[x\u2713\u2714\u2612] ?(Conventional|FHA|VA|USDA)\b/i.exec(rest);
  const option = match?.[2];
  if (!match || !option) return null;
  const end = match.index + match[0].length;
  const code = LOAN_TYPES[option.toLowerCase()];
  return code ? { raw: code, start: end - option.length, end } : null;
};
