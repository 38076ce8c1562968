// Errors raised for uploaded documents that cannot be read, and for
// extractor output that would break the lineage rules. Each class has a
// stable `code` for API responses; messages name the value and the fix.

export type PdfInputErrorCode =
  | "PDF_EMPTY"
  | "PDF_TOO_LARGE"
  | "NOT_A_PDF"
  | "PDF_UNREADABLE"
  | "PDF_ENCRYPTED";

/** Base class of every rejection of an uploaded PDF. */
export abstract class PdfInputError extends Error {
  abstract readonly code: PdfInputErrorCode;
}

export class EmptyPdfError extends PdfInputError {
  readonly code = "PDF_EMPTY";

  constructor() {
    super("The uploaded file is empty (0 bytes); upload the PDF file again.");
    this.name = "EmptyPdfError";
  }
}

export class PdfTooLargeError extends PdfInputError {
  readonly code = "PDF_TOO_LARGE";

  constructor(
    readonly sizeBytes: number,
    readonly maxBytes: number,
  ) {
    super(
      `The uploaded file is ${sizeBytes} bytes, over the limit of ` +
        `${maxBytes} bytes; split or compress the PDF, or raise the ` +
        "configured maximum document size.",
    );
    this.name = "PdfTooLargeError";
  }
}

export class NotPdfError extends PdfInputError {
  readonly code = "NOT_A_PDF";

  /** @param header the first bytes of the file, as printable text */
  constructor(readonly header: string) {
    super(
      `The uploaded file is not a PDF: it starts with ${JSON.stringify(header)} ` +
        'where a PDF starts with "%PDF-"; upload the document as a PDF file.',
    );
    this.name = "NotPdfError";
  }
}

export class UnreadablePdfError extends PdfInputError {
  readonly code = "PDF_UNREADABLE";

  constructor(reason: string, options?: { cause?: unknown }) {
    super(
      `The PDF could not be opened (${reason}); it is damaged or ` +
        "truncated, so export or scan the document again and upload the new file.",
      options,
    );
    this.name = "UnreadablePdfError";
  }
}

export class EncryptedPdfError extends PdfInputError {
  readonly code = "PDF_ENCRYPTED";

  constructor(options?: { cause?: unknown }) {
    super(
      "The PDF is protected by a password, so its text cannot be read; " +
        "upload a copy saved without password protection.",
      options,
    );
    this.name = "EncryptedPdfError";
  }
}

/**
 * Datapoint from an extractor that the database would reject or whose
 * lineage does not hold, such as a non-canonical value or a wrong hash.
 */
export class InvalidDatapointError extends Error {
  readonly code = "INVALID_DATAPOINT";

  constructor(
    readonly extractorVersion: string,
    readonly key: string,
    problem: string,
  ) {
    super(
      `Extractor ${extractorVersion} returned an invalid datapoint for ` +
        `${JSON.stringify(key)}: ${problem}. Fix the extractor; no ` +
        "datapoint of this document was kept.",
    );
    this.name = "InvalidDatapointError";
  }
}

/** An extractor object that breaks the rules of its kind. */
export class InvalidExtractorError extends Error {
  readonly code = "INVALID_EXTRACTOR";

  constructor(problem: string) {
    super(`Invalid extractor: ${problem}.`);
    this.name = "InvalidExtractorError";
  }
}
