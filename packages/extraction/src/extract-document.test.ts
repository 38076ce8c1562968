import { describe, expect, it } from "vitest";
import {
  InvalidDatapointError,
  InvalidExtractorError,
  NotPdfError,
} from "./errors.ts";
import { extractDocument } from "./extract-document.ts";
import {
  hashEvidence,
  type ExtractedDatapoint,
  type Extractor,
  type ModelExtractor,
} from "./extractor.ts";
import { readSample, SAMPLE_MAX_BYTES } from "./test-support/files.ts";
import { buildPdf, imageFromPng } from "./test-support/pdf-builder.ts";

const options = { maxBytes: SAMPLE_MAX_BYTES };

async function imageOnlyPdf(): Promise<Uint8Array> {
  // Page 1 of the fixed-rate Loan Estimate sample at 72 dpi: a scan with no text layer.
  const image = imageFromPng(await readSample("loan-estimate-H24B-1.png"));
  return buildPdf([{ width: 508, height: 657, image }]);
}

function validDatapoint(
  overrides: Partial<ExtractedDatapoint> = {},
): ExtractedDatapoint {
  const evidenceText = "Loan Amount $211,000";
  return {
    key: "loan_amount",
    value: "211000.00",
    valueNumber: "211000.00",
    page: 1,
    evidenceText,
    evidenceTextHash: hashEvidence(evidenceText),
    confidence: 0.9,
    ...overrides,
  };
}

function modelReturning(datapoints: ExtractedDatapoint[]): ModelExtractor {
  return {
    kind: "model",
    version: "model-test-1",
    promptVersion: "prompt-1",
    extract: async () => datapoints,
  };
}

describe("extractDocument", () => {
  it("extracts the Loan Estimate", async () => {
    const bytes = await readSample("adjustable_rate_loan_estimate.pdf");

    const result = await extractDocument(bytes, options);

    expect(result.status).toBe("extracted");
    expect(result.documentType).toBe("loan_estimate");
    expect(result.pageCount).toBe(3);
    expect(result.pagesWithoutText).toEqual([]);
    expect(result.extractor).toEqual({
      kind: "deterministic",
      version: "rules-2026.12.0",
      promptVersion: null,
    });
    expect(result.datapoints).toHaveLength(10);
  });

  it("marks an image-only PDF as needs_ocr", async () => {
    const result = await extractDocument(await imageOnlyPdf(), options);

    expect(result.status).toBe("needs_ocr");
    expect(result.documentType).toBe("unknown");
    expect(result.pageCount).toBe(1);
    expect(result.pagesWithoutText).toEqual([1]);
    expect(result.datapoints).toEqual([]);
  });

  it("does not run the extractor on an image-only PDF", async () => {
    let calls = 0;
    const extractor: ModelExtractor = {
      ...modelReturning([]),
      extract: () => {
        calls += 1;
        return [];
      },
    };

    await extractDocument(await imageOnlyPdf(), { ...options, extractor });

    expect(calls).toBe(0);
  });

  it("yields no datapoints for the closing forms", async () => {
    const bytes = await readSample("mortgage_closing_forms.pdf");

    const result = await extractDocument(bytes, options);

    expect(result.status).toBe("extracted");
    expect(result.documentType).toBe("other");
    expect(result.datapoints).toEqual([]);
  });

  it("validates the input before extracting", async () => {
    const png = await readSample("loan-estimate-H24B-1.png");

    await expect(extractDocument(png, options)).rejects.toBeInstanceOf(
      NotPdfError,
    );
  });

  it("records a model extractor's prompt version", async () => {
    const bytes = await readSample("adjustable_rate_loan_estimate.pdf");

    const result = await extractDocument(bytes, {
      ...options,
      extractor: modelReturning([validDatapoint()]),
    });

    expect(result.extractor).toEqual({
      kind: "model",
      version: "model-test-1",
      promptVersion: "prompt-1",
    });
    expect(result.datapoints).toEqual([validDatapoint()]);
  });
});

describe("extractor rules", () => {
  it("requires a prompt version on model extractors in the types", () => {
    // @ts-expect-error: a model extractor without promptVersion does not type-check
    const missing: Extractor = {
      kind: "model",
      version: "m1",
      promptVersion: null,
      extract: () => [],
    };
    // @ts-expect-error: a deterministic extractor cannot carry a prompt version
    const extra: Extractor = {
      kind: "deterministic",
      version: "r1",
      promptVersion: "p1",
      extract: () => [],
    };

    expect([missing.kind, extra.kind]).toEqual(["model", "deterministic"]);
  });

  it.each([
    [
      "an empty prompt version",
      { kind: "model", version: "m1", promptVersion: " " },
    ],
    [
      "a missing prompt version",
      { kind: "model", version: "m1", promptVersion: null },
    ],
    [
      "a deterministic prompt version",
      { kind: "deterministic", version: "r1", promptVersion: "p1" },
    ],
    [
      "an empty version",
      { kind: "deterministic", version: "", promptVersion: null },
    ],
  ])("rejects %s", async (_case, fields) => {
    const bytes = await readSample("adjustable_rate_loan_estimate.pdf");
    const extractor = { ...fields, extract: () => [] } as unknown as Extractor;

    await expect(
      extractDocument(bytes, { ...options, extractor }),
    ).rejects.toBeInstanceOf(InvalidExtractorError);
  });

  it.each([
    ["an unknown key", { key: "loan_colour" }, "not in the field dictionary"],
    ["a non-canonical value", { value: "211000" }, 'expected "211000.00"'],
    ["a wrong valueNumber", { valueNumber: null }, "valueNumber"],
    ["a page past the end", { page: 4 }, "page 4 is outside 1..3"],
    ["page zero", { page: 0 }, "page 0 is outside 1..3"],
    ["a wrong hash", { evidenceTextHash: "0".repeat(64) }, "not the SHA-256"],
    [
      "empty evidence",
      { evidenceText: " ", evidenceTextHash: hashEvidence(" ") },
      "evidence text is empty",
    ],
    ["a confidence over 1", { confidence: 1.5 }, "outside [0, 1]"],
    [
      "a confidence with 5 decimals",
      { confidence: 0.12345 },
      "more than 4 decimals",
    ],
  ])("rejects a datapoint with %s", async (_case, overrides, message) => {
    const bytes = await readSample("adjustable_rate_loan_estimate.pdf");
    const extractor = modelReturning([validDatapoint(overrides)]);

    const result = extractDocument(bytes, { ...options, extractor });

    await expect(result).rejects.toBeInstanceOf(InvalidDatapointError);
    await expect(result).rejects.toThrow(message);
  });

  it("rejects two datapoints for one key", async () => {
    const bytes = await readSample("adjustable_rate_loan_estimate.pdf");
    const extractor = modelReturning([
      validDatapoint(),
      validDatapoint({ page: 2 }),
    ]);

    await expect(
      extractDocument(bytes, { ...options, extractor }),
    ).rejects.toThrow("occurs twice");
  });
});
