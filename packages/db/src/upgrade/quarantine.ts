// Moves rows with a verdict from their table into quarantine.rows, one
// batch per transaction: the DELETE and the INSERT are one statement, so a
// row is always in exactly one of the two places. A duplicate loan's
// dependants are first re-pointed to the loan that is kept.
import type postgres from "postgres";
import { addBackfilled } from "./state.ts";
import { LOAN_CHILDREN } from "./tables.ts";
import { inBatches, type StepContext } from "./context.ts";

interface BatchRow {
  row_id: string;
  keep_id: string | null;
}

async function nextBatch(
  tx: postgres.TransactionSql,
  table: string,
  size: number,
): Promise<BatchRow[]> {
  return tx<BatchRow[]>`
    select row_id, keep_id from tapeline_upgrade.verdicts
    where table_name = ${table} and not moved
    order by row_id
    limit ${size}
    for update`;
}

/**
 * Points the children of duplicate loans in `batch` at the loans that are
 * kept, and records each move in tapeline_upgrade.repointed so it can be
 * undone.
 */
async function repointDuplicateChildren(tx: postgres.TransactionSql, batch: BatchRow[]): Promise<void> {
  const duplicates = batch.filter((row) => row.keep_id !== null);
  if (duplicates.length === 0) return;
  const duplicateIds = duplicates.map((row) => row.row_id);
  const keptIds = duplicates.map((row) => row.keep_id as string);
  for (const child of LOAN_CHILDREN) {
    const result = await tx.unsafe(
      `with moved as (
           update public.${child} c set loan_id = m.keep_id
           from unnest($1::uuid[], $2::uuid[]) as m(duplicate_id, keep_id)
           where c.loan_id = m.duplicate_id
           returning c.id, m.duplicate_id, m.keep_id
       )
       insert into tapeline_upgrade.repointed (table_name, row_id, from_loan_id, to_loan_id)
       select $3, id, duplicate_id, keep_id from moved`,
      [duplicateIds, keptIds, child],
    );
    await addBackfilled(tx, child, "loan_id", result.count);
  }
}

async function moveRows(
  tx: postgres.TransactionSql,
  table: string,
  step: string,
  ids: string[],
): Promise<void> {
  await tx.unsafe(
    `with moved as (
         delete from public.${table} t
         where t.id = any($1::uuid[])
         returning t.id, to_jsonb(t) as row
     )
     insert into quarantine.rows (table_name, row_id, row_tenant_id, reason, detail, step, row)
     select $2, m.id,
            case when m.row ->> 'tenant_id' ~ '^[0-9a-f-]{36}$' then (m.row ->> 'tenant_id')::uuid end,
            v.reason, v.detail, $3, m.row
     from moved m
     join tapeline_upgrade.verdicts v on v.table_name = $2 and v.row_id = m.id`,
    [ids, table, step],
  );
  await tx`
    update tapeline_upgrade.verdicts set moved = true
    where table_name = ${table} and row_id = any(${ids}::uuid[])`;
}

/** Moves every unmoved verdict row of `table` into quarantine; returns the rows handled. */
export async function quarantineTable(ctx: StepContext, table: string): Promise<number> {
  return inBatches(ctx, async (tx) => {
    const batch = await nextBatch(tx, table, ctx.options.batchSize);
    if (batch.length === 0) return 0;
    if (table === "loan_candidates") await repointDuplicateChildren(tx, batch);
    await moveRows(
      tx,
      table,
      ctx.step,
      batch.map((row) => row.row_id),
    );
    return batch.length;
  });
}
