// Reads of the live catalog that the upgrade steps decide on.
import type postgres from "postgres";

type Sql = postgres.Sql | postgres.TransactionSql;

export interface LiveColumn {
  name: string;
  notNull: boolean;
  identity: boolean;
}

export interface LiveConstraint {
  name: string;
  /** pg_constraint.contype: p, f, u, c, n or x. */
  type: string;
  definition: string;
  validated: boolean;
}

export interface LiveIndex {
  name: string;
  valid: boolean;
  /** The constraint the index backs, if any. */
  constraintName: string | null;
}

export async function tableExists(sql: Sql, table: string): Promise<boolean> {
  const [row] = await sql<{ present: boolean }[]>`
    select to_regclass(${`public.${table}`}) is not null as present`;
  return row?.present ?? false;
}

export async function readColumns(sql: Sql, table: string): Promise<Map<string, LiveColumn>> {
  const rows = await sql<{ name: string; not_null: boolean; identity: boolean }[]>`
    select a.attname as name, a.attnotnull as not_null, a.attidentity <> '' as identity
    from pg_attribute a
    where a.attrelid = to_regclass(${`public.${table}`})
      and a.attnum > 0 and not a.attisdropped`;
  return new Map(
    rows.map((row) => [row.name, { name: row.name, notNull: row.not_null, identity: row.identity }]),
  );
}

export async function readConstraints(sql: Sql, table: string): Promise<LiveConstraint[]> {
  return sql<LiveConstraint[]>`
    select c.conname as name, c.contype as type, pg_get_constraintdef(c.oid) as definition,
           c.convalidated as validated
    from pg_constraint c
    where c.conrelid = to_regclass(${`public.${table}`})
    order by c.conname`;
}

export async function readIndexes(sql: Sql, table: string): Promise<LiveIndex[]> {
  return sql<LiveIndex[]>`
    select i.relname as name, x.indisvalid as valid, c.conname as "constraintName"
    from pg_index x
    join pg_class i on i.oid = x.indexrelid
    left join pg_constraint c on c.conindid = x.indexrelid and c.conrelid = x.indrelid
    where x.indrelid = to_regclass(${`public.${table}`})
    order by i.relname`;
}

export async function readIndex(sql: Sql, name: string): Promise<LiveIndex | undefined> {
  const [row] = await sql<LiveIndex[]>`
    select i.relname as name, x.indisvalid as valid, null as "constraintName"
    from pg_index x
    join pg_class i on i.oid = x.indexrelid
    where i.oid = to_regclass(${`public.${name}`})`;
  return row;
}

/** Whether drizzle's migrator has recorded any migration in this database. */
export async function hasDrizzleMigrations(sql: Sql): Promise<boolean> {
  const [table] = await sql<{ name: string | null }[]>`
    select to_regclass('drizzle.__drizzle_migrations')::text as name`;
  if (!table?.name) return false;
  const [row] = await sql<{ count: number }[]>`
    select count(*)::int as count from drizzle.__drizzle_migrations`;
  return (row?.count ?? 0) > 0;
}
