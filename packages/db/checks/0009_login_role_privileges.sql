-- The login roles the services use must stay inside row-level security.
-- They must not be superuser or have BYPASSRLS, and must own nothing,
-- because an owner may alter or disable its tables' policies. They must
-- not be members of a role that is or does any of these either, because
-- SET ROLE would lift the restriction.
with login_roles (rolname) as (
    values ('tapeline_app'), ('tapeline_relay')
),
roles as (
    select l.rolname, r.oid, r.rolsuper, r.rolbypassrls
    from login_roles l
    left join pg_roles r on r.rolname = l.rolname
),
owned (owner, object) as (
    select c.relowner, format('relation %s', c.oid::regclass) from pg_class c
    union all
    select p.proowner, format('function %s', p.oid::regprocedure) from pg_proc p
    union all
    -- a table's row type and array types follow their table or element type
    select t.typowner, format('type %s', t.oid::regtype) from pg_type t
    where t.typrelid = 0 and t.typcategory <> 'A'
    union all
    select n.nspowner, format('schema %I', n.nspname) from pg_namespace n
    union all
    select d.datdba, format('database %I', d.datname) from pg_database d
    where d.datname = current_database()
),
privileged_roles as (
    select r.oid, r.rolname
    from pg_roles r
    where r.rolsuper or r.rolbypassrls or exists (select 1 from owned o where o.owner = r.oid)
)
select format('role %I', r.rolname) as object,
       'the role does not exist' as detail,
       'run pnpm db:migrate, which creates it' as remedy
from roles r where r.oid is null
union all
select format('role %I', r.rolname), 'the role is a superuser, so row-level security does not apply to it',
       format('alter role %I nosuperuser;', r.rolname)
from roles r where r.rolsuper
union all
select format('role %I', r.rolname), 'the role has BYPASSRLS, so row-level security does not apply to it',
       format('alter role %I nobypassrls;', r.rolname)
from roles r where r.rolbypassrls
union all
select format('role %I', r.rolname), format('the role owns %s', o.object),
       'in a new migration: make tapeline_owner the owner (for a table: alter table ... owner to tapeline_owner)'
from roles r join owned o on o.owner = r.oid
union all
select format('role %I', r.rolname),
       format('the role is a member of %I, which is a superuser, has BYPASSRLS or owns objects', p.rolname),
       format('revoke %I from %I;', p.rolname, r.rolname)
from roles r join privileged_roles p on p.oid <> r.oid and pg_has_role(r.oid, p.oid, 'MEMBER')
order by 1, 2;
