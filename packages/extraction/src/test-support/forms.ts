// Synthetic pages laid out like page 1 of the TRID forms, for rules that
// the real samples cannot exercise: the Closing Disclosure samples are
// images without a text layer.
import type { PageSpec, TextSpec } from "./pdf-builder.ts";

/** Places a label at `x` and its value at `x + 90` on one baseline. */
export function field(
  label: string,
  value: string,
  x: number,
  y: number,
): TextSpec[] {
  return [
    { x, y, size: 8, text: label },
    { x: x + 90, y, size: 10, text: value },
  ];
}

/** Page 1 of a Closing Disclosure with the values of the H25B sample. */
export function closingDisclosurePage(): PageSpec {
  return {
    texts: [
      { x: 42, y: 740, size: 19, text: "Closing Disclosure" },
      ...field("Date Issued", "4/15/2013", 42, 700),
      ...field("Sale Price", "$180,000", 42, 640),
      ...field("Loan Term", "30 years", 300, 700),
      ...field("Purpose", "Purchase", 300, 688),
      ...field("Product", "Fixed Rate", 300, 676),
      ...field("Loan ID #", "123456789", 300, 652),
      ...field("Loan Amount", "$162,000", 48, 553),
      ...field("Interest Rate", "3.875%", 48, 531),
      ...field("Closing Costs", "$9,712.10", 48, 99),
      { x: 43, y: 18, size: 8, text: "CLOSING DISCLOSURE" },
      { x: 444, y: 18, size: 8, text: "PAGE 1 OF 5 • LOAN ID # 123456789" },
    ],
  };
}
