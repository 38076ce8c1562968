// Error classes of the import pipeline and the codes stored on
// import_errors rows.
import { TapelineError } from "@tapeline/db";

/** Stable codes of import_errors rows. Each row's reason names the fix. */
export const ImportErrorCode = {
  /** A row has more or fewer fields than its record type defines. */
  wrongFieldCount: "WRONG_FIELD_COUNT",
  /** An HMDA row whose record id is neither 1 nor 2. */
  unknownRecordType: "UNKNOWN_RECORD_TYPE",
  /** A loan row without a ULI (HMDA) or loan identifier (CSV). */
  missingLoanIdentifier: "MISSING_LOAN_IDENTIFIER",
  /** One field's value cannot be read; the rest of its row still lands. */
  invalidValue: "INVALID_VALUE",
  /** A line longer than the parser accepts; the row is skipped. */
  lineTooLong: "LINE_TOO_LONG",
  /** An HMDA file whose first row is not the transmittal sheet. */
  missingTransmittalSheet: "MISSING_TRANSMITTAL_SHEET",
  /** A second transmittal sheet after the first row. */
  extraTransmittalSheet: "EXTRA_TRANSMITTAL_SHEET",
  /** The transmittal sheet's total line entries differ from the loan rows in the file. */
  loanCountMismatch: "LOAN_COUNT_MISMATCH",
  /** A CSV mapping names a column that the header lacks. */
  mappedColumnMissing: "MAPPED_COLUMN_MISSING",
  /** A CSV mapping names a field key the dictionary does not define. */
  unknownFieldKey: "UNKNOWN_FIELD_KEY",
  /** The whole file could not be read; the import is marked failed. */
  fileUnreadable: "FILE_UNREADABLE",
  /** A CSV file whose header lacks the loan identifier column; the import is marked failed. */
  missingLoanIdentifierColumn: "MISSING_LOAN_IDENTIFIER_COLUMN",
} as const;

export type ImportErrorCodeValue =
  (typeof ImportErrorCode)[keyof typeof ImportErrorCode];

export class ImportNotFoundError extends TapelineError {
  constructor(tenantId: string, importId: string) {
    super(
      "IMPORT_NOT_FOUND",
      `Import ${importId} not found for tenant ${tenantId}: check the id, or list the tenant's imports.`,
      { tenantId, importId },
    );
  }
}

/**
 * The stored file cannot be imported at all (missing, not UTF-8 text,
 * changed since upload, unusable CSV header). Retrying cannot help, so
 * processImport marks the import failed and records `reason` as an
 * import_errors row.
 */
export class UnreadableTapeError extends TapelineError {
  readonly rowNumber: number;

  constructor(
    reason: string,
    options: {
      rowNumber?: number;
      code?: ImportErrorCodeValue;
      cause?: unknown;
    } = {},
  ) {
    super(
      options.code ?? ImportErrorCode.fileUnreadable,
      reason,
      {},
      { cause: options.cause },
    );
    this.rowNumber = options.rowNumber ?? 1;
  }
}
