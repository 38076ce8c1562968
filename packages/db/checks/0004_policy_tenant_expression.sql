-- Policies on tenant tables that find the tenant some other way than
-- app.current_tenant_id(). Reading the setting directly breaks on an empty
-- setting (the uuid cast fails) or compares ids as text (an upper-case id
-- becomes another tenant). Citus rejects subqueries in policies on
-- distributed tables, and extra OR branches widen access.
-- Every policy expression must be one of the allowed forms below, unless
-- the policy is one of the listed system-role policies.
with allowed_expressions (relname, polcmd, expression) as (
    values (null, null, '(tenant_id = app.current_tenant_id())'),
           ('tenants', null, '(id = app.current_tenant_id())'),
           -- global QC rules: every tenant may read them, none may write them,
           -- and a transaction with no tenant reads none of them
           ('qc_rules', 'r', '((tenant_id = app.current_tenant_id()) OR ((tenant_id = app.global_tenant_id()) AND (app.current_tenant_id() IS NOT NULL)))')
),
system_policies (relname, polname, rolname) as (
    values ('tenants', 'tenants_all_owner', 'tapeline_owner'),
           ('qc_rules', 'qc_rules_all_owner_global', 'tapeline_owner'),
           ('event_outbox', 'event_outbox_select_relay', 'tapeline_relay'),
           ('event_outbox', 'event_outbox_update_relay', 'tapeline_relay')
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
policy_expressions as (
    select t.nspname, t.relname, p.polname, p.polcmd, p.polroles, e.clause, e.expression
    from tenant_tables t
    join pg_policy p on p.polrelid = t.oid
    cross join lateral (
        values ('using', pg_get_expr(p.polqual, p.polrelid)),
               ('with check', pg_get_expr(p.polwithcheck, p.polrelid))
    ) as e(clause, expression)
    where e.expression is not null
)
select format('policy %I on %I.%I', pe.polname, pe.nspname, pe.relname) as object,
       format('%s clause %s does not compare the tenant column with app.current_tenant_id()',
              pe.clause, pe.expression) as detail,
       'write the clause as (tenant_id = app.current_tenant_id()); if a system role needs another rule, add the policy to system_policies in packages/db/checks/0004_policy_tenant_expression.sql' as remedy
from policy_expressions pe
where not exists (
          select 1 from allowed_expressions a
          where a.expression = pe.expression
            and (a.relname is null or a.relname = pe.relname)
            and (a.polcmd is null or a.polcmd = pe.polcmd::text))
  and not exists (
          select 1 from system_policies s
          where s.relname = pe.relname
            and s.polname = pe.polname
            and pe.polroles = array[(select oid from pg_roles where rolname = s.rolname)])
order by 1, 2;
