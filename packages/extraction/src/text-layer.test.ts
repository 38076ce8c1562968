import { describe, expect, it } from "vitest";
import { readPdfText } from "./pdf.ts";
import { readSample, SAMPLE_MAX_BYTES } from "./test-support/files.ts";
import { buildPdf, imageFromPng } from "./test-support/pdf-builder.ts";
import {
  groupIntoLines,
  isTextLayerEmpty,
  pagesWithoutText,
  type PositionedText,
} from "./text-layer.ts";

function item(str: string, x: number, y: number, size = 10): PositionedText {
  return {
    str,
    transform: [size, 0, 0, size, x, y],
    width: str.length * size * 0.5,
    height: size,
  };
}

describe("groupIntoLines", () => {
  it("orders lines top down and runs left to right", () => {
    const lines = groupIntoLines([
      item("$211,000", 198, 553.5, 14),
      item("Loan Terms", 48, 575.8, 11),
      item("Loan Amount", 48, 553.5),
    ]);

    expect(lines.map((line) => line.text)).toEqual([
      "Loan Terms",
      "Loan Amount $211,000",
    ]);
    expect(lines[1]?.runs.map((run) => run.text)).toEqual([
      "Loan Amount",
      "$211,000",
    ]);
  });

  it("keeps a value 3 pt below its label on its own line", () => {
    const lines = groupIntoLines([
      item("Interest Rate", 48, 531),
      item("4%", 198, 528, 14),
    ]);

    expect(lines.map((line) => line.text)).toEqual(["Interest Rate", "4%"]);
    expect(lines.map((line) => line.y)).toEqual([531, 528]);
  });

  it("joins baselines within a fifth of the font size", () => {
    const lines = groupIntoLines([
      item("Loan Amount", 48, 553.5),
      item("NO", 300, 555, 12),
    ]);

    expect(lines.map((line) => line.text)).toEqual(["Loan Amount NO"]);
    expect(lines[0]?.y).toBe(555);
  });

  it("adds a space only where runs leave a gap", () => {
    const glued = item("123456789", 354.6, 653.1);
    const after = item("1330172608", glued.transform[4]! + glued.width, 653.1);
    const apart = item("RATE", after.transform[4]! + after.width + 10, 653.1);

    const [line] = groupIntoLines([glued, after, apart]);

    expect(line?.text).toBe("1234567891330172608 RATE");
    expect(line?.runs.map((run) => run.text)).toEqual([
      "123456789",
      "1330172608",
      "RATE",
    ]);
  });

  it("collapses whitespace runs and maps run offsets", () => {
    const [line] = groupIntoLines([
      item("LOAN ID #", 300, 653),
      item("  ", 337, 653),
      item("12345  6789", 354, 653),
    ]);

    expect(line?.text).toBe("LOAN ID # 12345 6789");
    const slices = line?.runs.map((run) => line.text.slice(run.start, run.end));
    expect(slices).toEqual(["LOAN ID #", "", "12345 6789"]);
  });

  it("drops empty and blank items", () => {
    expect(groupIntoLines([item("", 0, 10), item(" ", 5, 10)])).toEqual([]);
  });
});

describe("readPdfText", () => {
  it("reads the Loan Estimate page by page", async () => {
    const layer = await readPdfText(
      await readSample("adjustable_rate_loan_estimate.pdf"),
      {
        maxBytes: SAMPLE_MAX_BYTES,
      },
    );

    expect(layer.pageCount).toBe(3);
    expect(layer.pages.map((page) => page.pageNumber)).toEqual([1, 2, 3]);
    const firstPage = layer.pages[0]?.lines.map((line) => line.text) ?? [];
    expect(firstPage).toContain("Loan Amount $211,000 NO");
    expect(firstPage).toContain("4%");
    expect(firstPage).toContain(
      "LOAN ESTIMATE PAGE 1 OF 3 • LOAN ID # 123456789",
    );
  });

  it("keeps the glued loan ID run raw", async () => {
    const layer = await readPdfText(
      await readSample("adjustable_rate_loan_estimate.pdf"),
      {
        maxBytes: SAMPLE_MAX_BYTES,
      },
    );

    const runs = layer.pages[0]?.lines.flatMap((line) => line.runs) ?? [];
    const loanIdRun = runs.find((run) => run.text.startsWith("123456789"));
    expect(loanIdRun?.text).toBe("1234567891330172608");
    expect(loanIdRun?.y).toBeCloseTo(653.1, 1);
  });

  it("finds no text on an image-only page", async () => {
    const image = imageFromPng(await readSample("loan-estimate-H24B-1.png"));
    const bytes = buildPdf([{ width: 508, height: 657, image }]);

    const layer = await readPdfText(bytes, { maxBytes: SAMPLE_MAX_BYTES });

    expect(layer.pageCount).toBe(1);
    expect(isTextLayerEmpty(layer)).toBe(true);
    expect(pagesWithoutText(layer)).toEqual([1]);
  });

  it("lists the image pages of a mixed document", async () => {
    const image = imageFromPng(await readSample("loan-estimate-H24B-1.png"));
    const bytes = buildPdf([
      { texts: [{ x: 72, y: 700, size: 12, text: "Cover letter" }] },
      { image },
    ]);

    const layer = await readPdfText(bytes, { maxBytes: SAMPLE_MAX_BYTES });

    expect(isTextLayerEmpty(layer)).toBe(false);
    expect(pagesWithoutText(layer)).toEqual([2]);
  });

  it("treats a whitespace-only page as empty", async () => {
    const bytes = buildPdf([
      { texts: [{ x: 72, y: 700, size: 12, text: "   " }] },
    ]);

    const layer = await readPdfText(bytes, { maxBytes: SAMPLE_MAX_BYTES });

    expect(isTextLayerEmpty(layer)).toBe(true);
  });
});
