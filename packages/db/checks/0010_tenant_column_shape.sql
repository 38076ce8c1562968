-- tenant_id columns that are not uuid, allow null, or do not reference
-- public.tenants. Row-level security compares tenant_id with a uuid; a
-- null or dangling tenant_id is a row no tenant owns.
with tenant_columns as (
    select c.oid, n.nspname, c.relname, a.attnum, a.attnotnull, a.atttypid
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    where a.attname = 'tenant_id' and not a.attisdropped
      and c.relkind in ('r', 'p')
      and n.nspname not in ('pg_catalog', 'information_schema', 'drizzle')
      and n.nspname not like 'pg\_%'
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
where not exists (
    select 1 from pg_constraint k
    where k.conrelid = t.oid and k.contype = 'f'
      and k.confrelid = to_regclass('public.tenants')
      and k.conkey = array[t.attnum])
order by 1, 2;
