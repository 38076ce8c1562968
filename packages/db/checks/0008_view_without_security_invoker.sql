-- Views that run with their owner's rights. A view owned by tapeline_owner
-- reads tenant tables as the owner, so the caller's row-level security does
-- not apply unless the view is security_invoker (PostgreSQL 15 or newer).
-- Materialized views cannot be security_invoker: their contents are
-- computed by the owner at refresh time, so they are reported too.
select format('%s %I.%I', case c.relkind when 'v' then 'view' else 'materialized view' end,
              n.nspname, c.relname) as object,
       case c.relkind
           when 'v' then 'the view runs with its owner''s rights, so row-level security of the caller does not apply'
           else 'a materialized view stores rows computed with its owner''s rights, outside row-level security'
       end as detail,
       case c.relkind
           when 'v' then format('in a new migration: alter view %I.%I set (security_invoker = true);',
                                n.nspname, c.relname)
           else format('replace %I.%I with a security_invoker view, or a tenant table with row-level security',
                       n.nspname, c.relname)
       end as remedy
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('v', 'm')
  and n.nspname not in ('pg_catalog', 'information_schema', 'drizzle')
  and n.nspname not like 'pg\_%'
  and not (c.relkind = 'v' and exists (
      select 1 from unnest(c.reloptions) as option(setting)
      where lower(option.setting) in ('security_invoker=true', 'security_invoker=on',
                                      'security_invoker=1', 'security_invoker=yes')))
order by 1;
