import { createHash } from "node:crypto";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { describe, expect, it } from "vitest";
import {
  EmptyPdfError,
  EncryptedPdfError,
  NotPdfError,
  PdfInputError,
  PdfTooLargeError,
  UnreadablePdfError,
} from "./errors.ts";
import { inspectPdf, readPdfText } from "./pdf.ts";
import { readSample, SAMPLE_MAX_BYTES } from "./test-support/files.ts";
import { buildPdf } from "./test-support/pdf-builder.ts";

const encode = (text: string) => new TextEncoder().encode(text);

describe("inspectPdf", () => {
  it("reports size, hash and page count", async () => {
    const bytes = await readSample("adjustable_rate_loan_estimate.pdf");

    const inspection = await inspectPdf(bytes, { maxBytes: SAMPLE_MAX_BYTES });

    expect(inspection.sizeBytes).toBe(46_281);
    expect(inspection.sha256).toBe(
      createHash("sha256").update(bytes).digest("hex"),
    );
    expect(inspection.pageCount).toBe(3);
  });

  it("counts the pages of the closing forms", async () => {
    const bytes = await readSample("mortgage_closing_forms.pdf");

    const inspection = await inspectPdf(bytes, { maxBytes: SAMPLE_MAX_BYTES });

    expect(inspection.pageCount).toBe(5);
  });

  it("accepts a file exactly at the limit", async () => {
    const bytes = await readSample("adjustable_rate_loan_estimate.pdf");

    const inspection = await inspectPdf(bytes, { maxBytes: bytes.byteLength });

    expect(inspection.sizeBytes).toBe(bytes.byteLength);
  });

  it("leaves the caller's bytes intact", async () => {
    const bytes = await readSample("adjustable_rate_loan_estimate.pdf");
    const before = createHash("sha256").update(bytes).digest("hex");

    await inspectPdf(bytes, { maxBytes: SAMPLE_MAX_BYTES });

    expect(bytes.byteLength).toBe(46_281);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(before);
  });

  it("rejects an invalid maxBytes", async () => {
    const bytes = await readSample("adjustable_rate_loan_estimate.pdf");

    await expect(inspectPdf(bytes, { maxBytes: 0 })).rejects.toThrow(
      RangeError,
    );
    await expect(inspectPdf(bytes, { maxBytes: 1.5 })).rejects.toThrow(
      RangeError,
    );
  });
});

describe("bad PDF input", () => {
  it("rejects empty input", async () => {
    const error = await rejectionOf(new Uint8Array(0));

    expect(error).toBeInstanceOf(EmptyPdfError);
    expect(error.code).toBe("PDF_EMPTY");
    expect(error.message).toContain("0 bytes");
  });

  it("rejects input over the limit", async () => {
    const bytes = await readSample("adjustable_rate_loan_estimate.pdf");

    const error = await rejectionOf(bytes, bytes.byteLength - 1);

    expect(error).toBeInstanceOf(PdfTooLargeError);
    expect(error.code).toBe("PDF_TOO_LARGE");
    expect(error).toMatchObject({ sizeBytes: 46_281, maxBytes: 46_280 });
    expect(error.message).toContain(
      "46281 bytes, over the limit of 46280 bytes",
    );
  });

  it("rejects a PNG as not a PDF", async () => {
    const png = await readSample("loan-estimate-H24B-1.png");

    const error = await rejectionOf(png);

    expect(error).toBeInstanceOf(NotPdfError);
    expect(error.code).toBe("NOT_A_PDF");
    expect(error.message).toContain('".PNG....');
    expect(error.message).toContain("%PDF-");
  });

  it("rejects a CSV as not a PDF", async () => {
    const error = await rejectionOf(encode("uli,loan_amount\n123,211000\n"));

    expect(error).toBeInstanceOf(NotPdfError);
    expect((error as NotPdfError).header).toBe("uli,loan");
  });

  it("rejects a header without a document", async () => {
    const error = await rejectionOf(
      encode("%PDF-1.7\nnot a document\n%%EOF\n"),
    );

    expect(error).toBeInstanceOf(UnreadablePdfError);
    expect(error.code).toBe("PDF_UNREADABLE");
    expect(error.message).toContain("Invalid PDF structure");
  });

  it("rejects a truncated PDF", async () => {
    const bytes = await readSample("adjustable_rate_loan_estimate.pdf");

    const error = await rejectionOf(bytes.slice(0, 3000));

    expect(error).toBeInstanceOf(UnreadablePdfError);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it("rejects a password-protected PDF", async () => {
    const bytes = buildPdf(
      [{ texts: [{ x: 72, y: 700, size: 12, text: "Loan Amount $1" }] }],
      { userPassword: "s3cret" },
    );

    const error = await rejectionOf(bytes);

    expect(error).toBeInstanceOf(EncryptedPdfError);
    expect(error.code).toBe("PDF_ENCRYPTED");
    expect(error.message).toContain("password");
  });

  it("builds a fixture that opens with its password", async () => {
    const bytes = buildPdf(
      [{ texts: [{ x: 72, y: 700, size: 12, text: "Loan Amount $1" }] }],
      { userPassword: "s3cret" },
    );

    const task = getDocument({ data: bytes, password: "s3cret", verbosity: 0 });
    const page = await (await task.promise).getPage(1);
    const content = await page.getTextContent();
    await task.destroy();

    expect(
      content.items.map((item) => ("str" in item ? item.str : "")),
    ).toEqual(["Loan Amount $1"]);
  });

  it("raises the same errors from readPdfText", async () => {
    const cases: Array<[Uint8Array, new (...args: never[]) => PdfInputError]> =
      [
        [new Uint8Array(0), EmptyPdfError],
        [encode("%PDF-1.7 broken"), UnreadablePdfError],
        [encode("GIF89a"), NotPdfError],
        [buildPdf([{}], { userPassword: "x" }), EncryptedPdfError],
      ];

    for (const [bytes, errorClass] of cases) {
      await expect(
        readPdfText(bytes, { maxBytes: 1000 }),
      ).rejects.toBeInstanceOf(errorClass);
    }
  });
});

async function rejectionOf(
  bytes: Uint8Array,
  maxBytes = SAMPLE_MAX_BYTES,
): Promise<PdfInputError> {
  try {
    await inspectPdf(bytes, { maxBytes });
  } catch (error) {
    expect(error).toBeInstanceOf(PdfInputError);
    return error as PdfInputError;
  }
  throw new Error("inspectPdf accepted the input");
}
