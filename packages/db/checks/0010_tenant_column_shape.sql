-- tenant_id columns that are not uuid, allow null, or do not reference
-- public.tenants. Row-level security compares tenant_id with a uuid; a
-- null or dangling tenant_id is a row no tenant owns. A tenant_id may
-- reference tenants directly or through a validated foreign key that pairs
-- it with a parent's tenant_id, where the parent's tenant_id references
-- tenants. Every column of that key must be NOT NULL, so that PostgreSQL
-- checks the key on every row.
with recursive tenant_columns as (
    select c.oid, n.nspname, c.relname, a.attnum, a.attnotnull, a.atttypid
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    where a.attname = 'tenant_id' and not a.attisdropped
      and c.relkind in ('r', 'p')
      and n.nspname not in ('pg_catalog', 'information_schema', 'drizzle')
      and n.nspname not like 'pg\_%'
),
referenced (oid) as (
    select t.oid
    from tenant_columns t
    join pg_constraint k on k.conrelid = t.oid and k.contype = 'f'
    where k.confrelid = to_regclass('public.tenants')
      and k.conkey = array[t.attnum]
    union
    select t.oid
    from tenant_columns t
    join pg_constraint k on k.conrelid = t.oid and k.contype = 'f'
    join referenced parent on parent.oid = k.confrelid
    join tenant_columns p on p.oid = k.confrelid
    where k.convalidated
      and array_position(k.conkey, t.attnum) = array_position(k.confkey, p.attnum)
      and not exists (
          select 1 from pg_attribute a
          where a.attrelid = t.oid and a.attnum = any (k.conkey) and not a.attnotnull)
)
select format('column %I.%I.tenant_id', t.nspname, t.relname) as object,
       format('tenant_id is %s, not uuid', format_type(t.atttypid, null)) as detail,
       'in a new migration: alter the column to type uuid' as remedy
from tenant_columns t where t.atttypid <> 'uuid'::regtype
union all
select format('column %I.%I.tenant_id', t.nspname, t.relname),
       'tenant_id allows null', 'in a new migration: alter the column set not null'
from tenant_columns t where not t.attnotnull
union all
select format('column %I.%I.tenant_id', t.nspname, t.relname),
       'tenant_id does not reference public.tenants',
       format('in a new migration: alter table %I.%I add foreign key (tenant_id) references public.tenants (id);',
              t.nspname, t.relname)
from tenant_columns t
where t.oid not in (select oid from referenced)
order by 1, 2;
