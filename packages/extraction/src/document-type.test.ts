import { describe, expect, it } from "vitest";
import { detectDocumentType } from "./document-type.ts";
import { readPdfText } from "./pdf.ts";
import {
  readSample,
  SAMPLE_MAX_BYTES,
  type SampleFile,
} from "./test-support/files.ts";
import { closingDisclosurePage } from "./test-support/forms.ts";
import {
  buildPdf,
  imageFromPng,
  type PageSpec,
} from "./test-support/pdf-builder.ts";

async function typeOfSample(name: SampleFile) {
  const layer = await readPdfText(await readSample(name), {
    maxBytes: SAMPLE_MAX_BYTES,
  });
  return detectDocumentType(layer);
}

async function typeOfPages(pages: PageSpec[]) {
  return detectDocumentType(
    await readPdfText(buildPdf(pages), { maxBytes: SAMPLE_MAX_BYTES }),
  );
}

describe("detectDocumentType", () => {
  it("recognises the Loan Estimate", async () => {
    expect(await typeOfSample("adjustable_rate_loan_estimate.pdf")).toBe(
      "loan_estimate",
    );
  });

  it("reads the closing-form templates as other", async () => {
    expect(await typeOfSample("mortgage_closing_forms.pdf")).toBe("other");
  });

  it("recognises a Closing Disclosure", async () => {
    expect(await typeOfPages([closingDisclosurePage()])).toBe(
      "closing_disclosure",
    );
  });

  it("needs the footer as well as the title", async () => {
    const title = { x: 42, y: 740, size: 19, text: "Closing Disclosure" };

    expect(await typeOfPages([{ texts: [title] }])).toBe("other");
  });

  it("needs the title on page 1", async () => {
    const page = closingDisclosurePage();
    const cover = { texts: [{ x: 72, y: 700, size: 12, text: "Fax cover" }] };

    expect(await typeOfPages([cover, page])).toBe("other");
  });

  it("ignores the form name in prose", async () => {
    const texts = [
      {
        x: 42,
        y: 700,
        size: 11,
        text: "Your Closing Disclosure fulfills this requirement.",
      },
      { x: 42, y: 18, size: 8, text: "Guide to closing forms" },
    ];

    expect(await typeOfPages([{ texts }])).toBe("other");
  });

  it("returns unknown without a text layer", async () => {
    const image = imageFromPng(await readSample("loan-estimate-H24B-1.png"));

    expect(await typeOfPages([{ image }])).toBe("unknown");
  });
});
