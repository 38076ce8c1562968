// Streaming parser for HMDA filing files. Yields one ParsedTapeRow per
// non-blank line; rows with problems carry import errors, and the rows
// around them are unaffected.
import { ImportErrorCode } from "./errors.ts";
import { readFieldValue } from "./field-values.ts";
import {
  HMDA_COLUMNS,
  HMDA_LOAN_FIELDS,
  HMDA_LOAN_FIELD_INDEX,
  HMDA_TRANSMITTAL_FIELDS,
  type HmdaTransmittalField,
} from "./hmda-layout.ts";
import { readLines } from "./lines.ts";
import {
  MAX_LINE_BYTES,
  type ParseProgress,
  type ParsedTapeRow,
  type TapeDatapoint,
  type TapeRowError,
} from "./tape-row.ts";

/** Letters and digits, 1 to 45 of them: a ULI (23 to 45) or a non-universal loan identifier. */
const ULI_PATTERN = /^[A-Za-z0-9]{1,45}$/;

const TRANSMITTAL_CHECKS: {
  field: HmdaTransmittalField;
  pattern: RegExp;
  expected: string;
}[] = [
  {
    field: "calendar_year",
    pattern: /^\d{4}$/,
    expected: "a four-digit year such as 2024",
  },
  {
    field: "calendar_quarter",
    pattern: /^[1-4]$/,
    expected: "1, 2, 3 or 4 (4 for an annual filing)",
  },
  {
    field: "total_line_entries",
    pattern: /^\d+$/,
    expected: "the number of loan rows in the file",
  },
  {
    field: "lei",
    pattern: /^[A-Za-z0-9]{20}$/,
    expected: "the 20-character Legal Entity Identifier",
  },
];

function rowError(
  rowNumber: number,
  code: TapeRowError["code"],
  reason: string,
  columnName: string | null = null,
  value: string | null = null,
): TapeRowError {
  return { rowNumber, columnName, value, code, reason };
}

function wrongFieldCount(
  rowNumber: number,
  count: number,
  expected: number,
  record: string,
) {
  return rowError(
    rowNumber,
    ImportErrorCode.wrongFieldCount,
    `Row has ${count} pipe-separated fields; a ${record} has ${expected}. ` +
      "Remove the extra | or add the missing fields; the row was not imported.",
    null,
    `${count} fields`,
  );
}

function readTransmittalSheet(
  rowNumber: number,
  fields: string[],
): TapeRowError[] {
  if (fields.length !== HMDA_TRANSMITTAL_FIELDS.length) {
    return [
      wrongFieldCount(
        rowNumber,
        fields.length,
        HMDA_TRANSMITTAL_FIELDS.length,
        "transmittal sheet (record 1)",
      ),
    ];
  }
  const errors: TapeRowError[] = [];
  for (const check of TRANSMITTAL_CHECKS) {
    const value = fields[HMDA_TRANSMITTAL_FIELDS.indexOf(check.field)] ?? "";
    if (!check.pattern.test(value.trim())) {
      errors.push(
        rowError(
          rowNumber,
          ImportErrorCode.invalidValue,
          `Invalid ${check.field} ${JSON.stringify(value)} on the transmittal sheet: expected ${check.expected}.`,
          check.field,
          value,
        ),
      );
    }
  }
  return errors;
}

function readLoanRow(rowNumber: number, fields: string[]): ParsedTapeRow {
  if (fields.length !== HMDA_LOAN_FIELDS.length) {
    return {
      rowNumber,
      errors: [
        wrongFieldCount(
          rowNumber,
          fields.length,
          HMDA_LOAN_FIELDS.length,
          "loan row (record 2)",
        ),
      ],
    };
  }

  const uli = (fields[HMDA_LOAN_FIELD_INDEX.get("uli") ?? 2] ?? "").trim();
  if (!ULI_PATTERN.test(uli)) {
    const reason =
      uli === "" || uli === "NA"
        ? "Loan row has no ULI; every loan row needs its ULI (field 3). The row was not imported."
        : `Invalid ULI ${JSON.stringify(uli.slice(0, 60))}: expected 1 to 45 letters and digits. The row was not imported.`;
    return {
      rowNumber,
      errors: [
        rowError(
          rowNumber,
          ImportErrorCode.missingLoanIdentifier,
          reason,
          "uli",
          uli,
        ),
      ],
    };
  }

  const datapoints: TapeDatapoint[] = [];
  const errors: TapeRowError[] = [];
  for (const column of HMDA_COLUMNS) {
    const raw = fields[HMDA_LOAN_FIELD_INDEX.get(column.field) ?? -1] ?? "";
    const result = readFieldValue(column.key, raw, {
      rowNumber,
      columnName: column.field,
      notReported: column.notReported,
      hmdaCodes: true,
    });
    if (result.kind === "datapoint") datapoints.push(result.datapoint);
    if (result.kind === "error") errors.push(result.error);
  }
  return { rowNumber, loan: { loanNumber: uli, datapoints }, errors };
}

/**
 * Parses an HMDA filing. Loan rows become loans with their datapoints. A
 * row with a wrong field count, an unknown record id or no ULI is rejected
 * with one error, and a bad value rejects only its datapoint. After the
 * last line, the transmittal sheet's total_line_entries is compared with
 * the number of loan rows read.
 */
export async function* parseHmdaTape(
  chunks: AsyncIterable<Buffer>,
  progress: ParseProgress,
): AsyncGenerator<ParsedTapeRow> {
  let firstRow = true;
  let transmittal:
    { rowNumber: number; declaredLoans: number | null } | undefined;
  let loanRows = 0;

  for await (const line of readLines(chunks, MAX_LINE_BYTES)) {
    const { lineNumber } = line;
    if (!line.tooLong && line.text.trim() === "") continue;
    const isFirstRow = firstRow;
    firstRow = false;

    if (line.tooLong) {
      progress.rowsRead += 1;
      yield {
        rowNumber: lineNumber,
        errors: [
          rowError(
            lineNumber,
            ImportErrorCode.lineTooLong,
            `Line is longer than ${MAX_LINE_BYTES} bytes; an HMDA row is a few KiB. Check the line endings. The row was not imported.`,
          ),
        ],
      };
      continue;
    }

    const fields = line.text.split("|");
    const recordId = (fields[0] ?? "").trim();

    if (recordId === "1") {
      if (!isFirstRow) {
        yield {
          rowNumber: lineNumber,
          errors: [
            rowError(
              lineNumber,
              ImportErrorCode.extraTransmittalSheet,
              "A second transmittal sheet (record 1); a filing has one, on its first line. Remove this row.",
              "record_id",
              recordId,
            ),
          ],
        };
        continue;
      }
      const errors = readTransmittalSheet(lineNumber, fields);
      const total =
        fields[HMDA_TRANSMITTAL_FIELDS.indexOf("total_line_entries")]?.trim() ??
        "";
      transmittal = {
        rowNumber: lineNumber,
        declaredLoans: /^\d+$/.test(total) ? Number(total) : null,
      };
      if (errors.length > 0) yield { rowNumber: lineNumber, errors };
      continue;
    }

    progress.rowsRead += 1;
    if (recordId === "2") {
      loanRows += 1;
      const row = readLoanRow(lineNumber, fields);
      if (isFirstRow) {
        row.errors.unshift(
          rowError(
            lineNumber,
            ImportErrorCode.missingTransmittalSheet,
            "The file starts with a loan row; an HMDA filing starts with its transmittal sheet (record 1). The loan rows were still imported.",
          ),
        );
      }
      yield row;
      continue;
    }

    yield {
      rowNumber: lineNumber,
      errors: [
        rowError(
          lineNumber,
          ImportErrorCode.unknownRecordType,
          `Unknown record id ${JSON.stringify(recordId.slice(0, 20))}: an HMDA row starts with 1 (transmittal sheet) or 2 (loan). Correct the first field; the row was not imported.`,
          "record_id",
          recordId,
        ),
      ],
    };
  }

  if (
    transmittal?.declaredLoans != null &&
    transmittal.declaredLoans !== loanRows
  ) {
    yield {
      rowNumber: transmittal.rowNumber,
      errors: [
        rowError(
          transmittal.rowNumber,
          ImportErrorCode.loanCountMismatch,
          `The transmittal sheet declares ${transmittal.declaredLoans} loan rows but the file has ${loanRows}. ` +
            "Correct total_line_entries or add the missing rows.",
          "total_line_entries",
          String(transmittal.declaredLoans),
        ),
      ],
    };
  }
}
