// Recognises the two TRID disclosure forms (Regulation Z, 12 CFR 1026.37
// and 1026.38) by the fixed text every filled-in form carries: the title on
// page 1 and the form name in the page footer. A guide or letter that only
// mentions "Closing Disclosure" in its prose has neither and stays "other".
import type { PdfTextLayer, TextRun } from "./text-layer.ts";

/**
 * `unknown` is for documents without a text layer, whose type cannot be
 * read until they are OCRed.
 */
export type DocumentType =
  "loan_estimate" | "closing_disclosure" | "other" | "unknown";

interface FormSignature {
  type: "loan_estimate" | "closing_disclosure";
  /** The title run on page 1, compared case-insensitively. */
  title: string;
  /** The upper-case form name that the forms print in every page footer. */
  footer: string;
}

const SIGNATURES: readonly FormSignature[] = [
  { type: "loan_estimate", title: "loan estimate", footer: "LOAN ESTIMATE" },
  {
    type: "closing_disclosure",
    title: "closing disclosure",
    footer: "CLOSING DISCLOSURE",
  },
];

/** The footer's page counter, "PAGE 1 OF 3 • LOAN ID # 123456789". */
const PAGE_FOOTER = /^PAGE \d+ OF \d+\b.*\bLOAN ID\b/;

/**
 * Returns the form type when page 1 carries the form's title and some page
 * carries its footer (the form name or the page counter with the loan ID).
 */
export function detectDocumentType(layer: PdfTextLayer): DocumentType {
  const runs = layer.pages.map((page) =>
    page.lines.flatMap((line) => line.runs.map(runText)),
  );
  if (runs.every((pageRuns) => pageRuns.length === 0)) return "unknown";

  const firstPage = new Set((runs[0] ?? []).map((text) => text.toLowerCase()));
  const everyRun = runs.flat();
  const hasPageFooter = everyRun.some((text) => PAGE_FOOTER.test(text));

  const matches = SIGNATURES.filter(
    (signature) =>
      firstPage.has(signature.title) &&
      (hasPageFooter || everyRun.includes(signature.footer)),
  );
  return matches.length === 1 && matches[0] ? matches[0].type : "other";
}

function runText(run: TextRun): string {
  return run.text.replace(/\s+/g, " ").trim();
}
