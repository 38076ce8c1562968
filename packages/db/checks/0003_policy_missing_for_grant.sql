-- Commands the application role is granted on a tenant table but no
-- permissive policy covers. Under RLS such a command matches no rows and
-- raises no error, so the mistake goes unnoticed.
with app_role as (
    select oid from pg_roles where rolname = 'tapeline_app'
),
tenant_tables as (
    select c.oid, n.nspname, c.relname
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p')
      and n.nspname not in ('pg_catalog', 'information_schema', 'drizzle')
      and n.nspname not like 'pg\_%'
      and ((n.nspname = 'public' and c.relname = 'tenants')
           or exists (select 1 from pg_attribute a
                      where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped))
),
commands (privilege, polcmd) as (
    values ('SELECT', 'r'), ('INSERT', 'a'), ('UPDATE', 'w'), ('DELETE', 'd')
)
select format('table %I.%I', t.nspname, t.relname) as object,
       format('tapeline_app is granted %s but no permissive policy for %s applies to it',
              c.privilege, c.privilege) as detail,
       format('in a new migration: create policy %s_%s_own_tenant on %I.%I for %s to tapeline_app %s (tenant_id = app.current_tenant_id()); or revoke %s on %I.%I from tapeline_app;',
              t.relname, lower(c.privilege), t.nspname, t.relname, lower(c.privilege),
              case c.privilege when 'INSERT' then 'with check' else 'using' end,
              lower(c.privilege), t.nspname, t.relname) as remedy
from tenant_tables t
cross join commands c
cross join app_role r
where has_table_privilege(r.oid, t.oid, c.privilege)
  and not exists (
      select 1
      from pg_policy p
      where p.polrelid = t.oid
        and p.polpermissive
        and p.polcmd in (c.polcmd, '*')
        and exists (select 1 from unnest(p.polroles) as pr(role)
                    where pr.role = 0 or pg_has_role(r.oid, pr.role, 'MEMBER')))
order by 1, 2;
