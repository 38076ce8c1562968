// Opaque keyset-pagination cursors: the sort key of a page's last row,
// encoded as base64url JSON. A cursor is tied to one listing and sort order
// and is validated before any of its values reach SQL.
import { z } from "zod";
import { InvalidReadRequestError, uuidText } from "./errors.ts";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** A timestamptz in UTC with microseconds, as list-loans.ts renders created_at. */
const timestampText = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);

/** Cursor value schemas, one per listing and sort order. */
export const cursorKinds = {
  "loans.created_at": z.tuple([timestampText, uuidText]),
  "loans.loan_number": z.tuple([z.string().min(1).max(1000)]),
  "import_errors.row_number": z.tuple([z.number().int().min(1), uuidText]),
} as const;

export type CursorKind = keyof typeof cursorKinds;
type CursorValues<K extends CursorKind> = z.output<(typeof cursorKinds)[K]>;

const envelopeSchema = z.object({ k: z.string(), v: z.array(z.unknown()) });

export function encodeCursor<K extends CursorKind>(kind: K, values: CursorValues<K>): string {
  return Buffer.from(JSON.stringify({ k: kind, v: values })).toString("base64url");
}

/** Decodes a cursor of `kind`; throws InvalidReadRequestError for any other input. */
export function decodeCursor<K extends CursorKind>(cursor: string, kind: K): CursorValues<K> {
  const invalid = () =>
    new InvalidReadRequestError(
      "INVALID_CURSOR",
      "Invalid cursor: pass the nextCursor of the previous page unchanged, " +
        "with the same sort order, or omit it to start from the first page.",
      { parameter: "cursor" },
    );
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  const envelope = envelopeSchema.safeParse(decoded);
  if (!envelope.success || envelope.data.k !== kind) throw invalid();
  const values = cursorKinds[kind].safeParse(envelope.data.v);
  if (!values.success) throw invalid();
  return values.data as CursorValues<K>;
}

/** Checks a page size against 1..MAX_PAGE_SIZE; returns the default when absent. */
export function checkPageSize(limit: number | undefined, parameter = "limit"): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new InvalidReadRequestError(
      "INVALID_LIMIT",
      `Invalid ${parameter} ${limit}: use a whole number from 1 to ${MAX_PAGE_SIZE}.`,
      { parameter },
    );
  }
  return limit;
}
