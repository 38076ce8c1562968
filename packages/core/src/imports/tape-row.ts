// Rows that the tape parsers yield, one per row of a file: the loan it
// describes (with its canonical datapoints), the problems found in it, or
// both.
import type { ImportErrorCodeValue } from "./errors.ts";

export interface TapeDatapoint {
  key: string;
  /** Canonical text form from the field dictionary. */
  value: string;
  valueNumber: string | null;
}

export interface TapeRowError {
  /** 1-based line number in the file. */
  rowNumber: number;
  /** The field's name in the file (HMDA spec name or CSV header), or null for row-level errors. */
  columnName: string | null;
  /** The offending value as read, or null when there is none. */
  value: string | null;
  code: ImportErrorCodeValue;
  /** The problem and its fix, in a sentence or two. */
  reason: string;
}

export interface ParsedTapeRow {
  /** 1-based line number where the row starts. */
  rowNumber: number;
  /** The loan this row describes; absent when the row was rejected as a whole. */
  loan?: { loanNumber: string; datapoints: TapeDatapoint[] };
  errors: TapeRowError[];
}

/** Counters a parser keeps while it reads, for progress reports. */
export interface ParseProgress {
  bytesRead: number;
  /** Data rows read so far: loan rows, excluding the HMDA transmittal sheet and the CSV header. */
  rowsRead: number;
}

/** Maximum line length a parser accepts, in bytes. HMDA loan rows are 1 to 4 KiB. */
export const MAX_LINE_BYTES = 64 * 1024;
