// SQL for probing any tenant table by name: rows travel as jsonb and are
// expanded with jsonb_populate_record, so one builder serves every table.
import { sql, type SQL } from "@tapeline/db";

export type ColumnValues = Record<string, unknown>;

function columnList(columns: string[]): SQL {
  return sql.join(
    columns.map((column) => sql.identifier(column)),
    sql`, `,
  );
}

/**
 * INSERT of one row of `table` from `values`, keyed by column name. It
 * returns the stored row as `row` (jsonb), or no row when
 * `onConflictDoNothing` skipped it.
 */
export function insertRowSql(
  table: string,
  values: ColumnValues,
  options: { onConflictDoNothing?: boolean } = {},
): SQL {
  const columns = columnList(Object.keys(values));
  const conflict = options.onConflictDoNothing ? sql` on conflict do nothing` : sql``;
  return sql`
    insert into ${sql.identifier(table)} as t (${columns})
    select ${columns}
    from jsonb_populate_record(null::${sql.identifier(table)}, ${JSON.stringify(values)}::jsonb)
    ${conflict}
    returning to_jsonb(t) as row`;
}

/** SELECT count(*) of `table`'s rows whose `column` equals `value` (compared as that column's type). */
export function countWhereSql(table: string, column: string, value: unknown): SQL {
  return sql`
    select count(*)::int as count from ${sql.identifier(table)}
    where ${sql.identifier(column)} = ${String(value)}`;
}

/** UPDATE setting `changes` on the row of `table` whose id is `id`. */
export function updateRowSql(table: string, id: unknown, changes: ColumnValues): SQL {
  const assignments = sql.join(
    Object.keys(changes).map(
      (column) =>
        sql`${sql.identifier(column)} = (jsonb_populate_record(null::${sql.identifier(table)}, ${JSON.stringify(changes)}::jsonb)).${sql.identifier(column)}`,
    ),
    sql`, `,
  );
  return sql`update ${sql.identifier(table)} set ${assignments} where id = ${String(id)}`;
}

/** UPDATE that rewrites the tenant column with its own value: a no-op that still counts rows. */
export function touchWhereSql(table: string, tenantColumn: string, column: string, value: unknown): SQL {
  const touched = table === "tenants" ? "name" : tenantColumn;
  return sql`
    update ${sql.identifier(table)} set ${sql.identifier(touched)} = ${sql.identifier(touched)}
    where ${sql.identifier(column)} = ${String(value)}`;
}

/** DELETE of `table`'s rows whose `column` equals `value`. */
export function deleteWhereSql(table: string, column: string, value: unknown): SQL {
  return sql`
    delete from ${sql.identifier(table)}
    where ${sql.identifier(column)} = ${String(value)}`;
}
