// Bulk loading of loan tapes under row-level security. PostgreSQL rejects
// COPY FROM into a table with row-level security, so each chunk is copied
// into a temporary staging table (no policies, private to the session,
// dropped at commit) and moved with `insert ... select`, which the tenant
// policies check row by row. The audit triggers see one statement per
// table and chunk.
//
// Memory stays bounded by the chunk: the caller passes a chunk at a time,
// and the staging table is emptied after each one.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { tenantContextOf, type TenantTransaction } from "./tenant.ts";

export interface StagedDatapoint {
  key: string;
  value: string;
  valueNumber: string | null;
}

export interface StagedLoanRow {
  /** 1-based line number in the tape; stored as import_row_number. */
  rowNumber: number;
  loanNumber: string;
  datapoints: StagedDatapoint[];
}

export interface StagedImportError {
  rowNumber: number;
  columnName: string | null;
  value: string | null;
  code: string;
  reason: string;
}

export interface TapeChunk {
  loans: StagedLoanRow[];
  errors: StagedImportError[];
}

export interface TapeChunkResult {
  /** loan_candidates rows inserted, or updated because an earlier transaction created them. */
  loans: number;
  datapoints: number;
  errors: number;
}

/** Transactions whose staging table exists (it is dropped at commit). */
const staged = new WeakSet<TenantTransaction>();

/** One row of tape_stage; absent fields are null. */
interface StageRow {
  kind: "loan" | "datapoint" | "error";
  rowNumber: number;
  loanNumber?: string;
  key?: string;
  value?: string | null;
  valueNumber?: string | null;
  columnName?: string | null;
  code?: string;
  reason?: string;
}

/** Escapes a value for COPY's text format; null becomes \N. */
function copyField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "\\N";
  return String(value).replace(/[\\\t\n\r]/g, (character) => {
    switch (character) {
      case "\\":
        return "\\\\";
      case "\t":
        return "\\t";
      case "\n":
        return "\\n";
      default:
        return "\\r";
    }
  });
}

/** Formats a row in tape_stage's column order, as one line of COPY text. */
function stageLine(row: StageRow): string {
  const fields = [
    row.kind,
    row.rowNumber,
    row.loanNumber,
    row.key,
    row.value,
    row.valueNumber,
    row.columnName,
    row.code,
    row.reason,
  ];
  return fields.map(copyField).join("\t") + "\n";
}

/** Yields the chunk as COPY text in pieces of about 64 KiB. */
function* copyText(chunk: TapeChunk): Generator<string> {
  let buffer = "";
  for (const loan of chunk.loans) {
    const { rowNumber, loanNumber } = loan;
    buffer += stageLine({ kind: "loan", rowNumber, loanNumber });
    for (const point of loan.datapoints) {
      buffer += stageLine({
        kind: "datapoint",
        rowNumber,
        loanNumber,
        ...point,
      });
    }
    if (buffer.length >= 65_536) {
      yield buffer;
      buffer = "";
    }
  }
  for (const error of chunk.errors) {
    buffer += stageLine({ kind: "error", ...error });
  }
  if (buffer.length > 0) yield buffer;
}

async function ensureStagingTable(tx: TenantTransaction): Promise<void> {
  if (staged.has(tx)) return;
  const { client } = tenantContextOf(tx);
  await client`
      create temp table if not exists tape_stage (
          kind text not null,
          row_number integer not null,
          loan_number text,
          key text,
          value text,
          value_number numeric,
          column_name text,
          code text,
          reason text
      ) on commit drop`;
  await client`truncate tape_stage`;
  staged.add(tx);
}

/**
 * Loads one chunk of a tape into the tenant's tables: upserts a
 * loan_candidates row per loan number, inserts the datapoints with tape
 * lineage (source 'tape', import_id, import_row_number) and the
 * import_errors rows. Runs inside the caller's db.tenant() transaction.
 */
export async function loadTapeChunk(
  tx: TenantTransaction,
  importId: string,
  chunk: TapeChunk,
): Promise<TapeChunkResult> {
  if (chunk.loans.length === 0 && chunk.errors.length === 0) {
    return { loans: 0, datapoints: 0, errors: 0 };
  }
  const { client, tenantId } = tenantContextOf(tx);
  await ensureStagingTable(tx);

  const copy = await client`
      copy tape_stage
          (kind, row_number, loan_number, key, value, value_number, column_name, code, reason)
      from stdin`.writable();
  await pipeline(Readable.from(copyText(chunk), { objectMode: false }), copy);

  const loans = await client`
      insert into loan_candidates (tenant_id, loan_number)
      select distinct ${tenantId}::uuid, s.loan_number
      from tape_stage s
      where s.kind = 'loan'
      on conflict (tenant_id, loan_number) do update
          set updated_at = now()
          where loan_candidates.updated_at < now()`;

  // The loan id is looked up per row through the (tenant_id, loan_number)
  // unique index. A join lets the planner, whose statistics do not yet count
  // the loans this transaction inserted, pick a nested loop that scans the
  // staging table once per loan of the tenant.
  const datapoints = await client`
      insert into loan_datapoints
          (tenant_id, loan_id, key, source, value, value_number, import_id, import_row_number)
      select ${tenantId}::uuid,
             (
                 select l.id
                 from loan_candidates l
                 where l.tenant_id = ${tenantId}::uuid and l.loan_number = s.loan_number
             ),
             s.key, 'tape', s.value, s.value_number, ${importId}::uuid, s.row_number
      from tape_stage s
      where s.kind = 'datapoint'`;

  const errors = await client`
      insert into import_errors
          (tenant_id, import_id, row_number, column_name, value, code, reason)
      select ${tenantId}::uuid, ${importId}::uuid, s.row_number, s.column_name,
             left(s.value, 1000), s.code, s.reason
      from tape_stage s
      where s.kind = 'error'
      order by s.row_number`;

  await client`truncate tape_stage`;
  return {
    loans: loans.count,
    datapoints: datapoints.count,
    errors: errors.count,
  };
}
