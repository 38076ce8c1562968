// A normalised description of a database's schema, read from the catalog,
// for comparing an upgraded database with a freshly migrated one. Covers
// the public, app and drizzle schemas: tables with their row-level
// security flags and owners, columns (type, NOT NULL, default, identity),
// constraints, indexes, policies, triggers, functions, enum types,
// sequences and the privileges on each. Column order is left out: columns
// added by ALTER TABLE come after the legacy ones, and nothing in Tapeline
// reads columns by position.
import type postgres from "postgres";

type Sql = postgres.Sql | postgres.TransactionSql;

export type SchemaCatalog = Record<string, string[]>;

const SCHEMAS = "('public', 'app', 'drizzle')";

const QUERIES: Record<string, string> = {
  tables: `
    select n.nspname || '.' || c.relname || ' kind=' || c.relkind::text
           || ' rls=' || c.relrowsecurity || ' force=' || c.relforcerowsecurity
           || ' owner=' || pg_get_userbyid(c.relowner)
           || ' acl=' || coalesce(c.relacl::text, '')
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in ${SCHEMAS} and c.relkind in ('r', 'p', 'v', 'm')`,
  columns: `
    select c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
           || ' notnull=' || a.attnotnull || ' identity=' || a.attidentity::text
           || ' generated=' || a.attgenerated::text
           || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
           || ' collation=' || a.attcollation::text
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where n.nspname in ${SCHEMAS} and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped`,
  constraints: `
    select c.relname || '.' || k.conname || ' ' || k.contype::text || ' ' || pg_get_constraintdef(k.oid)
           || ' validated=' || k.convalidated || ' deferrable=' || k.condeferrable
           || ' index=' || coalesce(k.conindid::regclass::text, '')
    from pg_constraint k
    join pg_class c on c.oid = k.conrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in ${SCHEMAS}`,
  indexes: `
    select pg_get_indexdef(x.indexrelid) || ' valid=' || x.indisvalid || ' primary=' || x.indisprimary
    from pg_index x
    join pg_class c on c.oid = x.indrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in ${SCHEMAS}`,
  policies: `
    select p.schemaname || '.' || p.tablename || '.' || p.policyname || ' ' || p.permissive
           || ' ' || p.cmd || ' roles=' || p.roles::text || ' using=' || coalesce(p.qual, '')
           || ' check=' || coalesce(p.with_check, '')
    from pg_policies p
    where p.schemaname in ${SCHEMAS}`,
  triggers: `
    select pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
    from pg_trigger t
    join pg_class c on c.oid = t.tgrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in ${SCHEMAS} and not t.tgisinternal`,
  functions: `
    select pg_get_functiondef(p.oid) || ' owner=' || pg_get_userbyid(p.proowner)
           || ' acl=' || coalesce(p.proacl::text, '')
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname in ${SCHEMAS}`,
  types: `
    select n.nspname || '.' || t.typname || ' owner=' || pg_get_userbyid(t.typowner) || ' labels='
           || coalesce((select string_agg(e.enumlabel, ',' order by e.enumsortorder)
                        from pg_enum e where e.enumtypid = t.oid), '')
    from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where n.nspname in ${SCHEMAS} and t.typtype = 'e'`,
  sequences: `
    select n.nspname || '.' || c.relname || ' ' || format_type(s.seqtypid, null)
           || ' start=' || s.seqstart || ' increment=' || s.seqincrement
           || ' min=' || s.seqmin || ' max=' || s.seqmax || ' cache=' || s.seqcache
           || ' cycle=' || s.seqcycle || ' owner=' || pg_get_userbyid(c.relowner)
           || ' acl=' || coalesce(c.relacl::text, '')
    from pg_sequence s
    join pg_class c on c.oid = s.seqrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in ${SCHEMAS}`,
  schemas: `
    select n.nspname || ' owner=' || pg_get_userbyid(n.nspowner) || ' acl=' || coalesce(n.nspacl::text, '')
    from pg_namespace n
    where n.nspname in ${SCHEMAS}`,
  roles: `
    select r.rolname || ' login=' || r.rolcanlogin || ' super=' || r.rolsuper
           || ' bypassrls=' || r.rolbypassrls || ' createrole=' || r.rolcreaterole
    from pg_roles r
    where r.rolname like 'tapeline\\_%'`,
};

/** Reads the schema description; each section is a sorted list of lines. */
export async function readSchemaCatalog(sql: Sql): Promise<SchemaCatalog> {
  const catalog: SchemaCatalog = {};
  for (const [section, query] of Object.entries(QUERIES)) {
    const rows = await sql.unsafe<{ line: string }[]>(`select line from (${query}) as q(line)`);
    catalog[section] = rows.map((row) => row.line).sort();
  }
  return catalog;
}

/** Lines present in one catalog and not the other, as "section: - line" / "section: + line". */
export function diffSchemaCatalogs(expected: SchemaCatalog, actual: SchemaCatalog): string[] {
  const differences: string[] = [];
  for (const section of Object.keys(QUERIES)) {
    const wanted = new Set(expected[section] ?? []);
    const found = new Set(actual[section] ?? []);
    for (const line of wanted) if (!found.has(line)) differences.push(`${section}: - ${line}`);
    for (const line of found) if (!wanted.has(line)) differences.push(`${section}: + ${line}`);
  }
  return differences;
}
