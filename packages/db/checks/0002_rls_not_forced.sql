-- Tenant tables whose row-level security is not forced. The table owner
-- (tapeline_owner, which runs migrations and security definer functions)
-- then bypasses every policy.
select format('table %I.%I', n.nspname, c.relname) as object,
       'row-level security is not forced, so the table owner bypasses the policies' as detail,
       format('in a new migration: alter table %I.%I force row level security;',
              n.nspname, c.relname) as remedy
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p')
  and n.nspname not in ('pg_catalog', 'information_schema', 'drizzle')
  and n.nspname not like 'pg\_%'
  and ((n.nspname = 'public' and c.relname = 'tenants')
       or exists (select 1 from pg_attribute a
                  where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped))
  and not c.relforcerowsecurity
order by 1;
