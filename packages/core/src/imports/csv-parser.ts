// Streaming parser for CSV loan tapes with a header row. The import's
// column mapping sends header columns to canonical fields, and the column
// mapped to loan_identifier gives the loan number.
import { pipeline } from "node:stream";
import { Readable } from "node:stream";
import { CsvError, parse } from "csv-parse";
import { FIELDS } from "../fields/index.ts";
import { ImportErrorCode, UnreadableTapeError } from "./errors.ts";
import { readFieldValue } from "./field-values.ts";
import {
  MAX_LINE_BYTES,
  type ParseProgress,
  type ParsedTapeRow,
  type TapeDatapoint,
  type TapeRowError,
} from "./tape-row.ts";

export interface CsvColumnMapping {
  sourceColumn: string;
  fieldKey: string;
}

interface ResolvedColumn {
  index: number;
  sourceColumn: string;
  fieldKey: string;
}

const LOAN_IDENTIFIER = "loan_identifier";

/** Decodes UTF-8 chunks to text, throwing UnreadableTapeError on invalid bytes. */
async function* decodeUtf8(
  chunks: AsyncIterable<Buffer>,
): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let lineNumber = 1;
  try {
    for await (const chunk of chunks) {
      const text = decoder.decode(chunk, { stream: true });
      yield text;
      for (
        let at = text.indexOf("\n");
        at !== -1;
        at = text.indexOf("\n", at + 1)
      ) {
        lineNumber += 1;
      }
    }
    yield decoder.decode();
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new UnreadableTapeError(
      `Line ${lineNumber} is not valid UTF-8 text: save the CSV as UTF-8 and upload it again.`,
      { rowNumber: lineNumber, cause: error },
    );
  }
}

/** Lines a record spans beyond its first, from line breaks inside quoted fields. */
function extraLines(record: string[]): number {
  let count = 0;
  for (const field of record) count += field.match(/\r\n|\r|\n/g)?.length ?? 0;
  return count;
}

function headerIndex(header: string[], sourceColumn: string): number {
  const exact = header.indexOf(sourceColumn);
  if (exact !== -1) return exact;
  const wanted = sourceColumn.trim().toLowerCase();
  return header.findIndex((name) => name.trim().toLowerCase() === wanted);
}

/**
 * Matches the mapping against the header. Without a mapping, every header
 * column named after a field key maps to that key. Columns that cannot be
 * matched become errors on row 1; a missing loan identifier column makes
 * the file unreadable.
 */
function resolveColumns(
  header: string[],
  mappings: CsvColumnMapping[],
): { columns: ResolvedColumn[]; errors: TapeRowError[] } {
  const wanted =
    mappings.length > 0
      ? mappings
      : header
          .filter((name) => FIELDS.has(name.trim()))
          .map((name) => ({ sourceColumn: name, fieldKey: name.trim() }));

  const columns: ResolvedColumn[] = [];
  const errors: TapeRowError[] = [];
  for (const mapping of wanted) {
    const index = headerIndex(header, mapping.sourceColumn);
    if (!FIELDS.has(mapping.fieldKey)) {
      errors.push({
        rowNumber: 1,
        columnName: mapping.sourceColumn,
        value: mapping.fieldKey,
        code: ImportErrorCode.unknownFieldKey,
        reason: `The mapping sends column ${JSON.stringify(mapping.sourceColumn)} to unknown field ${JSON.stringify(mapping.fieldKey)}; map it to a key of the field dictionary. The column was not imported.`,
      });
    } else if (index === -1) {
      errors.push({
        rowNumber: 1,
        columnName: mapping.sourceColumn,
        value: null,
        code: ImportErrorCode.mappedColumnMissing,
        reason: `The mapping names column ${JSON.stringify(mapping.sourceColumn)}, which the header lacks; correct the mapping or the header. Field ${mapping.fieldKey} was not imported.`,
      });
    } else {
      columns.push({
        index,
        sourceColumn: header[index] ?? mapping.sourceColumn,
        fieldKey: mapping.fieldKey,
      });
    }
  }

  if (!columns.some((column) => column.fieldKey === LOAN_IDENTIFIER)) {
    throw new UnreadableTapeError(
      "The CSV header is missing the loan identifier column: map the column that holds the loan number to loan_identifier, or name it loan_identifier.",
      { code: ImportErrorCode.missingLoanIdentifierColumn },
    );
  }
  return { columns, errors };
}

function readRecord(
  rowNumber: number,
  record: string[],
  header: string[],
  columns: ResolvedColumn[],
): ParsedTapeRow {
  if (record.length !== header.length) {
    return {
      rowNumber,
      errors: [
        {
          rowNumber,
          columnName: null,
          value: `${record.length} fields`,
          code: ImportErrorCode.wrongFieldCount,
          reason: `Row has ${record.length} fields; the header has ${header.length}. Quote values that contain commas, or add the missing fields; the row was not imported.`,
        },
      ],
    };
  }

  const identifierColumn = columns.find(
    (column) => column.fieldKey === LOAN_IDENTIFIER,
  );
  const loanNumber = (record[identifierColumn?.index ?? -1] ?? "").trim();
  if (loanNumber === "" || loanNumber === "NA") {
    return {
      rowNumber,
      errors: [
        {
          rowNumber,
          columnName: identifierColumn?.sourceColumn ?? null,
          value: loanNumber,
          code: ImportErrorCode.missingLoanIdentifier,
          reason:
            "Row has no loan identifier; fill in the loan number. The row was not imported.",
        },
      ],
    };
  }

  const datapoints: TapeDatapoint[] = [];
  const errors: TapeRowError[] = [];
  for (const column of columns) {
    const result = readFieldValue(column.fieldKey, record[column.index] ?? "", {
      rowNumber,
      columnName: column.sourceColumn,
    });
    if (result.kind === "datapoint") datapoints.push(result.datapoint);
    if (result.kind === "error") errors.push(result.error);
  }
  return { rowNumber, loan: { loanNumber, datapoints }, errors };
}

function toUnreadable(error: unknown): unknown {
  if (!(error instanceof CsvError)) return error;
  const line = typeof error.lines === "number" ? error.lines : 1;
  return new UnreadableTapeError(
    `The CSV cannot be parsed at line ${line} (${error.code}): ${error.message}. ` +
      "Fix the quoting there (a quote inside a value is written as two quotes) and upload the file again.",
    { rowNumber: Math.max(1, line), cause: error },
  );
}

/**
 * Parses a CSV tape with a header row, mapped through `mappings`. A row
 * with the wrong number of fields or no loan identifier is rejected with
 * one error; a bad value rejects only its datapoint. Quoting errors make
 * row boundaries unknowable, so they throw UnreadableTapeError.
 */
export async function* parseCsvTape(
  chunks: AsyncIterable<Buffer>,
  mappings: CsvColumnMapping[],
  progress: ParseProgress,
): AsyncGenerator<ParsedTapeRow> {
  const parser = pipeline(
    Readable.from(decodeUtf8(chunks)),
    parse({
      info: true,
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: MAX_LINE_BYTES,
    }),
    () => {},
  );

  let header: string[] | undefined;
  let columns: ResolvedColumn[] = [];
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      const rowNumber = info.lines - extraLines(record);
      if (!header) {
        header = record;
        const resolved = resolveColumns(header, mappings);
        columns = resolved.columns;
        if (resolved.errors.length > 0) {
          const errors = resolved.errors.map((error) => ({
            ...error,
            rowNumber,
          }));
          yield { rowNumber, errors };
        }
        continue;
      }
      progress.rowsRead += 1;
      yield readRecord(rowNumber, record, header, columns);
    }
  } catch (error) {
    throw toUnreadable(error);
  } finally {
    parser.destroy();
  }
}
