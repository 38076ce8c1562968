-- Unique constraints and unique indexes on tenant tables whose key lacks
-- tenant_id. Such a key makes one tenant's insert fail because of another
-- tenant's row, which reveals that the row exists. Citus cannot enforce it
-- on a table distributed by tenant_id either. public.tenants is exempt: its
-- rows are the tenants, and only the owner writes them.
select format('index %I.%I on %I.%I', n.nspname, ic.relname, n.nspname, c.relname) as object,
       format('%s does not include tenant_id', pg_get_indexdef(i.indexrelid)) as detail,
       'in a new migration: replace it with a unique key that starts with tenant_id' as remedy
from pg_index i
join pg_class ic on ic.oid = i.indexrelid
join pg_class c on c.oid = i.indrelid
join pg_namespace n on n.oid = c.relnamespace
join pg_attribute tenant on tenant.attrelid = c.oid and tenant.attname = 'tenant_id'
                        and not tenant.attisdropped
where i.indisunique
  and c.relkind in ('r', 'p')
  and n.nspname not in ('pg_catalog', 'information_schema', 'drizzle')
  and n.nspname not like 'pg\_%'
  and not (tenant.attnum = any (i.indkey::int2[]))
order by 1;
