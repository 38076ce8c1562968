-- Foreign keys with no index whose leading columns are the key's columns.
-- Deleting or updating a parent row then scans the whole child table, and
-- a cascade from a loan with many datapoints locks far more than it must.
-- A partial index counts only when its predicate is `column IS NOT NULL`
-- on a key column: every lookup by that column implies the predicate.
with foreign_keys as (
    select k.oid, k.conname, k.conrelid, k.conkey, n.nspname, c.relname
    from pg_constraint k
    join pg_class c on c.oid = k.conrelid
    join pg_namespace n on n.oid = c.relnamespace
    where k.contype = 'f'
      and n.nspname not in ('pg_catalog', 'information_schema', 'drizzle')
      and n.nspname not like 'pg\_%'
)
select format('foreign key %I on %I.%I', fk.conname, fk.nspname, fk.relname) as object,
       format('no valid index leads with the columns of %s',
              pg_get_constraintdef(fk.oid)) as detail,
       format('in a new migration: create index %s_idx on %I.%I (%s);',
              fk.conname, fk.nspname, fk.relname,
              (select string_agg(quote_ident(a.attname), ', ' order by u.ord)
               from unnest(fk.conkey) with ordinality as u(attnum, ord)
               join pg_attribute a on a.attrelid = fk.conrelid and a.attnum = u.attnum)) as remedy
from foreign_keys fk
where not exists (
    select 1
    from pg_index i
    where i.indrelid = fk.conrelid
      and i.indisvalid
      and (i.indpred is null or pg_get_expr(i.indpred, i.indrelid) in (
          select format('(%s IS NOT NULL)', quote_ident(a.attname))
          from pg_attribute a
          where a.attrelid = fk.conrelid and a.attnum = any (fk.conkey)))
      and i.indnkeyatts >= cardinality(fk.conkey)
      and (select array_agg(k order by k)
           from unnest((string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(fk.conkey)]) as k)
          = (select array_agg(k order by k) from unnest(fk.conkey) as k))
order by 1;
