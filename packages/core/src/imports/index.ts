export * from "./create-import.ts";
export * from "./process-import.ts";
export * from "./errors.ts";
export { listImportErrors, type ImportErrorRecord } from "./import-errors.ts";
export { parseHmdaTape } from "./hmda-parser.ts";
export { parseCsvTape, type CsvColumnMapping } from "./csv-parser.ts";
export type { ParsedTapeRow, TapeDatapoint, TapeRowError } from "./tape-row.ts";
