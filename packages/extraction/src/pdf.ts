// Validation and text-layer reading of uploaded PDFs with Mozilla's pdf.js
// (legacy build, which runs on Node 20). pdf.js parses in a "fake worker"
// on the calling thread, so reading a large PDF blocks the event loop for
// that time. Nothing here renders pages, so fonts and canvas stay unused.
import { createHash } from "node:crypto";
import { getDocument, VerbosityLevel } from "pdfjs-dist/legacy/build/pdf.mjs";
import {
  EmptyPdfError,
  EncryptedPdfError,
  NotPdfError,
  PdfTooLargeError,
  UnreadablePdfError,
} from "./errors.ts";
import {
  groupIntoLines,
  type PdfPageText,
  type PdfTextLayer,
  type PositionedText,
} from "./text-layer.ts";

export interface PdfReadOptions {
  /** Files larger than this many bytes are rejected before parsing. */
  maxBytes: number;
}

export interface PdfInspection {
  sizeBytes: number;
  /** SHA-256 of the bytes, lower-case hex. */
  sha256: string;
  pageCount: number;
}

type PdfDocument = Awaited<ReturnType<typeof getDocument>["promise"]>;

const PDF_MAGIC = "%PDF-";

/**
 * Checks that `bytes` is a PDF that pdf.js can open, and returns its size,
 * hash and page count. Throws a PdfInputError subclass otherwise.
 */
export async function inspectPdf(
  bytes: Uint8Array,
  options: PdfReadOptions,
): Promise<PdfInspection> {
  return withPdfDocument(bytes, options, async (document) => ({
    sizeBytes: bytes.byteLength,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    pageCount: document.numPages,
  }));
}

/**
 * Validates `bytes` like inspectPdf and reads the text layer of every page
 * into lines. Pages without text come back with no lines.
 */
export async function readPdfText(
  bytes: Uint8Array,
  options: PdfReadOptions,
): Promise<PdfTextLayer> {
  return withPdfDocument(bytes, options, async (document) => {
    const pages: PdfPageText[] = [];
    for (let pageNumber = 1; pageNumber <= document.numPages; pageNumber++) {
      pages.push(await readPage(document, pageNumber));
    }
    return { pageCount: document.numPages, pages };
  });
}

async function readPage(
  document: PdfDocument,
  pageNumber: number,
): Promise<PdfPageText> {
  try {
    const page = await document.getPage(pageNumber);
    const content = await page.getTextContent();
    const items = content.items.filter(
      (item): item is PositionedText & typeof item => "str" in item,
    );
    return { pageNumber, lines: groupIntoLines(items) };
  } catch (error) {
    throw new UnreadablePdfError(`page ${pageNumber}: ${describe(error)}`, {
      cause: error,
    });
  }
}

/** Checks the bytes cheaply, then opens them with pdf.js for `use`. */
async function withPdfDocument<T>(
  bytes: Uint8Array,
  options: PdfReadOptions,
  use: (document: PdfDocument) => Promise<T>,
): Promise<T> {
  checkBytes(bytes, options);

  // pdf.js may transfer the buffer it is given, so it gets a copy.
  const task = getDocument({
    data: new Uint8Array(bytes),
    verbosity: VerbosityLevel.ERRORS,
    isEvalSupported: false,
    stopAtErrors: false,
  });

  let document: PdfDocument;
  try {
    document = await task.promise;
  } catch (error) {
    await task.destroy();
    throw translateOpenError(error);
  }

  try {
    if (document.numPages < 1) {
      throw new UnreadablePdfError("it has no pages");
    }
    return await use(document);
  } finally {
    await task.destroy();
  }
}

function checkBytes(bytes: Uint8Array, options: PdfReadOptions): void {
  if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < 1) {
    throw new RangeError(
      `maxBytes must be a positive whole number of bytes, got ${options.maxBytes}`,
    );
  }
  if (bytes.byteLength === 0) throw new EmptyPdfError();
  if (bytes.byteLength > options.maxBytes) {
    throw new PdfTooLargeError(bytes.byteLength, options.maxBytes);
  }

  const header = Buffer.from(bytes.subarray(0, PDF_MAGIC.length)).toString(
    "latin1",
  );
  if (header !== PDF_MAGIC) {
    throw new NotPdfError(printableHeader(bytes));
  }
}

function printableHeader(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 8), (byte) =>
    byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : ".",
  ).join("");
}

function translateOpenError(error: unknown): Error {
  // Errors cross pdf.js's worker boundary as copies, so match on the name.
  const name = error instanceof Error ? error.name : "";
  if (name === "PasswordException") {
    return new EncryptedPdfError({ cause: error });
  }
  return new UnreadablePdfError(describe(error), { cause: error });
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\.$/, "");
}
