import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { detectDocumentType } from "../document-type.ts";
import type { ExtractableDocument, ExtractedDatapoint } from "../extractor.ts";
import { readPdfText } from "../pdf.ts";
import type { PdfTextLayer } from "../text-layer.ts";
import {
  readSample,
  SAMPLE_MAX_BYTES,
  type SampleFile,
} from "../test-support/files.ts";
import { closingDisclosurePage, field } from "../test-support/forms.ts";
import { buildPdf, type PageSpec } from "../test-support/pdf-builder.ts";
import {
  CONFIDENCE,
  DETERMINISTIC_EXTRACTOR_VERSION,
  deterministicExtractor,
  extractWithRules,
} from "./index.ts";

async function readSampleDocument(
  name: SampleFile,
): Promise<ExtractableDocument> {
  const layer = await readPdfText(await readSample(name), {
    maxBytes: SAMPLE_MAX_BYTES,
  });
  return { ...layer, documentType: detectDocumentType(layer) };
}

async function readPages(
  pages: PageSpec[],
  documentType: ExtractableDocument["documentType"] = "loan_estimate",
): Promise<ExtractableDocument> {
  const layer = await readPdfText(buildPdf(pages), {
    maxBytes: SAMPLE_MAX_BYTES,
  });
  return { ...layer, documentType };
}

function byKey(datapoints: ExtractedDatapoint[]) {
  return new Map(datapoints.map((datapoint) => [datapoint.key, datapoint]));
}

function sha256(text: string): string {
  return createHash("sha256").update(Buffer.from(text, "utf8")).digest("hex");
}

/** True when the evidence is one line of the page, or two lines of it. */
function isEvidenceOnPage(
  layer: PdfTextLayer,
  datapoint: ExtractedDatapoint,
): boolean {
  const lines =
    layer.pages[datapoint.page - 1]?.lines.map((line) => line.text) ?? [];
  const parts = datapoint.evidenceText.split("\n");
  return parts.every((part) => lines.some((line) => line.includes(part)));
}

describe("deterministic extractor on the adjustable-rate Loan Estimate", () => {
  let document: ExtractableDocument;
  let found: Map<string, ExtractedDatapoint>;

  beforeAll(async () => {
    document = await readSampleDocument("adjustable_rate_loan_estimate.pdf");
    found = byKey(await deterministicExtractor.extract(document));
  });

  it.each([
    // key, value, valueNumber, page, confidence, evidence
    ["loan_amount", "211000.00", "211000.00", 1, 0.95, "Loan Amount $211,000"],
    [
      "interest_rate",
      "4.000",
      "4.000",
      1,
      0.8,
      "Interest Rate YES • Adjusts every 3 years starting in year 6\n4%",
    ],
    ["loan_term_months", "360", "360", 1, 0.95, "LOAN TERM 30 years"],
    [
      "loan_identifier",
      "123456789",
      null,
      1,
      0.95,
      "PAGE 1 OF 3 • LOAN ID # 123456789",
    ],
    ["date_issued", "2013-02-15", null, 1, 0.95, "DATE ISSUED 2/15/2013"],
    [
      "product",
      "5 Year Interest Only, 5/3 Adjustable Rate",
      null,
      1,
      0.95,
      "PRODUCT 5 Year Interest Only, 5/3 Adjustable Rate",
    ],
    ["loan_purpose", "purchase", null, 1, 0.85, "PURPOSE Purchase"],
    ["loan_type", "conventional", null, 1, 0.95, "LOAN TYPE x Conventional"],
    ["sale_price", "240000.00", "240000.00", 1, 0.95, "SALE PRICE $240,000"],
    [
      "estimated_closing_costs",
      "8791.00",
      "8791.00",
      1,
      0.95,
      "Estimated Closing Costs $8,791",
    ],
  ] as const)(
    "finds %s = %s",
    (key, value, valueNumber, page, confidence, evidence) => {
      const datapoint = found.get(key);

      expect(datapoint?.value).toBe(value);
      expect(datapoint?.valueNumber).toBe(valueNumber);
      expect(datapoint?.page).toBe(page);
      expect(datapoint?.confidence).toBe(confidence);
      expect(datapoint?.evidenceText).toBe(evidence);
    },
  );

  it("finds nothing else", () => {
    expect([...found.keys()].sort()).toEqual([
      "date_issued",
      "estimated_closing_costs",
      "interest_rate",
      "loan_amount",
      "loan_identifier",
      "loan_purpose",
      "loan_term_months",
      "loan_type",
      "product",
      "sale_price",
    ]);
  });

  it("hashes each evidence text with SHA-256", () => {
    for (const datapoint of found.values()) {
      expect(datapoint.evidenceTextHash, datapoint.key).toBe(
        sha256(datapoint.evidenceText),
      );
      expect(datapoint.evidenceTextHash, datapoint.key).toMatch(
        /^[0-9a-f]{64}$/,
      );
    }
  });

  it("takes evidence from the page it reports", () => {
    for (const datapoint of found.values()) {
      expect(isEvidenceOnPage(document, datapoint), datapoint.key).toBe(true);
    }
  });

  it("reads the rate from the line below its label", () => {
    const pageOne = document.pages[0]?.lines ?? [];
    const label = pageOne.find((line) => line.text.startsWith("Interest Rate"));
    const value = pageOne.find((line) => line.text === "4%");

    expect(label).toBeDefined();
    expect(value).toBeDefined();
    expect(label?.text).not.toContain("4%");
    expect(found.get("interest_rate")?.confidence).toBe(
      CONFIDENCE.neighbourLine,
    );
  });

  it("reads the loan ID despite the glued header run", () => {
    const header = document.pages[0]?.lines.find((line) =>
      line.text.includes("LOAN ID # 1234567891330172608"),
    );

    expect(header).toBeDefined();
    expect(found.get("loan_identifier")?.value).toBe("123456789");
  });

  it("returns the same output on every run", async () => {
    const again = await deterministicExtractor.extract(document);

    expect(again).toEqual([...found.values()]);
  });
});

describe("deterministic extractor on other documents", () => {
  it("finds nothing on the closing-form templates", async () => {
    const document = await readSampleDocument("mortgage_closing_forms.pdf");

    expect(document.documentType).toBe("other");
    expect(await deterministicExtractor.extract(document)).toEqual([]);
  });

  it("matches no label on the templates even as a form", async () => {
    const document = await readSampleDocument("mortgage_closing_forms.pdf");

    for (const documentType of [
      "loan_estimate",
      "closing_disclosure",
    ] as const) {
      expect(extractWithRules({ ...document, documentType })).toEqual([]);
    }
  });

  it("reads a Closing Disclosure page", async () => {
    const document = await readPages(
      [closingDisclosurePage()],
      "closing_disclosure",
    );

    const found = byKey(extractWithRules(document));

    expect(found.get("loan_amount")?.value).toBe("162000.00");
    expect(found.get("interest_rate")?.value).toBe("3.875");
    expect(found.get("loan_term_months")?.value).toBe("360");
    expect(found.get("loan_identifier")?.value).toBe("123456789");
    expect(found.get("date_issued")?.value).toBe("2013-04-15");
    expect(found.get("sale_price")?.value).toBe("180000.00");
    expect(found.get("loan_purpose")?.value).toBe("purchase");
    expect(found.get("product")?.value).toBe("Fixed Rate");
    expect(found.get("closing_costs")?.value).toBe("9712.10");
    expect(found.get("closing_costs")?.evidenceText).toBe(
      "Closing Costs $9,712.10",
    );
    expect(found.has("estimated_closing_costs")).toBe(false);
  });
});

describe("confidence and choice", () => {
  it("lowers confidence when candidates disagree", async () => {
    const document = await readPages([
      { texts: field("Loan Amount", "$211,000", 48, 553) },
      { texts: field("Loan Amount", "$221,000", 48, 553) },
    ]);

    const [datapoint] = extractWithRules(document);

    expect(datapoint?.value).toBe("211000.00");
    expect(datapoint?.page).toBe(1);
    expect(datapoint?.confidence).toBe(0.475);
  });

  it("prefers the value most candidates agree on", async () => {
    const document = await readPages([
      { texts: field("Loan Amount", "$221,000", 48, 553) },
      { texts: field("Loan Amount", "$211,000", 48, 553) },
      { texts: field("Loan Amount", "$211,000", 48, 553) },
    ]);

    const [datapoint] = extractWithRules(document);

    expect(datapoint?.value).toBe("211000.00");
    expect(datapoint?.page).toBe(2);
    expect(datapoint?.confidence).toBe(0.6333);
  });

  it("scores a neighbouring line below the same line", async () => {
    const document = await readPages([
      {
        texts: [
          { x: 48, y: 531, size: 10, text: "Interest Rate" },
          { x: 198, y: 528, size: 14, text: "3.875%" },
        ],
      },
    ]);

    const [datapoint] = extractWithRules(document);

    expect(datapoint?.value).toBe("3.875");
    expect(datapoint?.confidence).toBe(CONFIDENCE.neighbourLine);
    expect(datapoint?.evidenceText).toBe("Interest Rate\n3.875%");
  });

  it("ignores a value a full line away", async () => {
    const document = await readPages([
      {
        texts: [
          { x: 48, y: 531, size: 10, text: "Interest Rate" },
          { x: 198, y: 518, size: 10, text: "3.875%" },
        ],
      },
    ]);

    expect(extractWithRules(document)).toEqual([]);
  });

  it("ignores labels inside prose", async () => {
    const document = await readPages([
      {
        texts: [
          { x: 46, y: 678, size: 9, text: "1 % of Loan Amount (Points)" },
          { x: 266, y: 678, size: 9, text: "$2,110" },
          { x: 46, y: 600, size: 9, text: "This is not your interest rate 4%" },
        ],
      },
    ]);

    expect(extractWithRules(document)).toEqual([]);
  });

  it("skips a date that does not exist", async () => {
    const document = await readPages([
      { texts: field("DATE ISSUED", "2/30/2013", 42, 676) },
    ]);

    expect(extractWithRules(document)).toEqual([]);
  });

  it("carries its version and no prompt version", () => {
    expect(deterministicExtractor.kind).toBe("deterministic");
    expect(deterministicExtractor.version).toBe(
      DETERMINISTIC_EXTRACTOR_VERSION,
    );
    expect(deterministicExtractor.version).toBe("rules-2026.12.0");
    expect(deterministicExtractor.promptVersion).toBeNull();
  });
});
