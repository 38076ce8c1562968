// Reads the tenant tables of a database from pg_catalog, so the isolation
// suite covers whatever tables the migrations create instead of a list
// kept by hand. A tenant table is a table in schema public with a
// `tenant_id` column, plus `tenants` itself (whose tenant column is `id`).
import { APP_ROLE, sql } from "@tapeline/db";
import type { TestConnection } from "@tapeline/db/testing";

export interface ForeignKeyInfo {
  name: string;
  columns: string[];
  parentTable: string;
  parentColumns: string[];
  /** The column of this table that matches the parent's tenant column, if any. */
  tenantColumn: string | null;
}

export interface UniqueIndexInfo {
  name: string;
  /** Key columns; an expression column appears as null. */
  columns: (string | null)[];
  /** The WHERE clause of a partial index, as pg_get_expr prints it. */
  predicate: string | null;
}

export interface TenantTable {
  name: string;
  /** `tenant_id`, or `id` for the tenants table. */
  tenantColumn: string;
  rlsEnabled: boolean;
  rlsForced: boolean;
  /** Commands the application role is granted. */
  appPrivileges: { select: boolean; insert: boolean; update: boolean; delete: boolean };
  /** Columns an INSERT may name (identity ALWAYS and generated columns excluded). */
  insertableColumns: string[];
  foreignKeys: ForeignKeyInfo[];
  uniqueIndexes: UniqueIndexInfo[];
}

interface TableRow extends Record<string, unknown> {
  name: string;
  rls_enabled: boolean;
  rls_forced: boolean;
  can_select: boolean;
  can_insert: boolean;
  can_update: boolean;
  can_delete: boolean;
  insertable_columns: string[];
  foreign_keys: ForeignKeyInfo[];
  unique_indexes: UniqueIndexInfo[];
}

/** Lists every tenant table of the connected database, sorted by name. */
export async function listTenantTables(admin: TestConnection): Promise<TenantTable[]> {
  const rows = await admin.execute<TableRow>(sql`
    with tables as (
        select c.oid, c.relname, c.relrowsecurity, c.relforcerowsecurity
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public'
          and c.relkind in ('r', 'p')
          and (c.relname = 'tenants' or exists (
              select 1 from pg_attribute a
              where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped))
    )
    select t.relname as name,
           t.relrowsecurity as rls_enabled,
           t.relforcerowsecurity as rls_forced,
           has_table_privilege(${APP_ROLE}::name, t.oid, 'SELECT') as can_select,
           has_table_privilege(${APP_ROLE}::name, t.oid, 'INSERT') as can_insert,
           has_table_privilege(${APP_ROLE}::name, t.oid, 'UPDATE') as can_update,
           has_table_privilege(${APP_ROLE}::name, t.oid, 'DELETE') as can_delete,
           (select coalesce(json_agg(a.attname order by a.attnum), '[]')
            from pg_attribute a
            where a.attrelid = t.oid and a.attnum > 0 and not a.attisdropped
              and a.attidentity <> 'a' and a.attgenerated = '') as insertable_columns,
           (select coalesce(json_agg(json_build_object(
                'name', k.conname,
                'columns', (select json_agg(a.attname order by u.ord)
                            from unnest(k.conkey) with ordinality u(attnum, ord)
                            join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.attnum),
                'parentTable', p.relname,
                'parentColumns', (select json_agg(a.attname order by u.ord)
                                  from unnest(k.confkey) with ordinality u(attnum, ord)
                                  join pg_attribute a on a.attrelid = k.confrelid and a.attnum = u.attnum),
                'tenantColumn', (select a.attname
                                 from unnest(k.conkey, k.confkey) with ordinality u(attnum, fattnum, ord)
                                 join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.attnum
                                 join pg_attribute f on f.attrelid = k.confrelid and f.attnum = u.fattnum
                                 where f.attname = case when p.relname = 'tenants' then 'id' else 'tenant_id' end
                                 limit 1)
            ) order by k.conname), '[]')
            from pg_constraint k
            join pg_class p on p.oid = k.confrelid
            where k.conrelid = t.oid and k.contype = 'f') as foreign_keys,
           (select coalesce(json_agg(json_build_object(
                'name', ic.relname,
                'columns', (select json_agg(a.attname order by u.ord)
                            from unnest(i.indkey::int2[]) with ordinality u(attnum, ord)
                            left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = u.attnum
                            where u.ord <= i.indnkeyatts),
                'predicate', pg_get_expr(i.indpred, i.indrelid)
            ) order by ic.relname), '[]')
            from pg_index i
            join pg_class ic on ic.oid = i.indexrelid
            where i.indrelid = t.oid and i.indisunique) as unique_indexes
    from tables t
    order by t.relname`);

  return rows.map((row) => ({
    name: row.name,
    tenantColumn: row.name === "tenants" ? "id" : "tenant_id",
    rlsEnabled: row.rls_enabled,
    rlsForced: row.rls_forced,
    appPrivileges: {
      select: row.can_select,
      insert: row.can_insert,
      update: row.can_update,
      delete: row.can_delete,
    },
    insertableColumns: row.insertable_columns,
    foreignKeys: row.foreign_keys,
    uniqueIndexes: row.unique_indexes,
  }));
}
