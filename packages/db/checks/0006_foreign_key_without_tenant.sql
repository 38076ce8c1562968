-- Foreign keys between tenant tables that do not pair the child's tenant
-- column with the parent's tenant_id. Without that pair a row can point at
-- another tenant's parent. The tenant column of a foreign key is tenant_id,
-- or a column listed in tenant_columns below (qc_defects.rule_tenant_id
-- names the rule's owner: the defect's tenant or the global rules).
-- Foreign keys to public.tenants are the tenant reference itself and are
-- exempt; a table without tenant_id that references a tenant table is not.
with tenant_columns (relname, attname) as (
    values ('qc_defects', 'rule_tenant_id')
),
foreign_keys as (
    select k.oid, k.conname, k.conrelid, k.confrelid, k.conkey, k.confkey,
           cn.nspname as child_schema, child.relname as child_table,
           pn.nspname as parent_schema, parent.relname as parent_table
    from pg_constraint k
    join pg_class child on child.oid = k.conrelid
    join pg_namespace cn on cn.oid = child.relnamespace
    join pg_class parent on parent.oid = k.confrelid
    join pg_namespace pn on pn.oid = parent.relnamespace
    where k.contype = 'f'
      and cn.nspname not in ('pg_catalog', 'information_schema', 'drizzle')
      and cn.nspname not like 'pg\_%'
      and not (pn.nspname = 'public' and parent.relname = 'tenants')
      and exists (select 1 from pg_attribute a
                  where a.attrelid = k.confrelid and a.attname = 'tenant_id' and not a.attisdropped)
)
select format('foreign key %I on %I.%I', fk.conname, fk.child_schema, fk.child_table) as object,
       format('%s does not match a tenant column of %I.%I to %I.%I.tenant_id',
              pg_get_constraintdef(fk.oid), fk.child_schema, fk.child_table,
              fk.parent_schema, fk.parent_table) as detail,
       format('in a new migration: make it foreign key (tenant_id, ...) references %I.%I (tenant_id, ...), adding tenant_id to %I.%I first if it lacks one',
              fk.parent_schema, fk.parent_table, fk.child_schema, fk.child_table) as remedy
from foreign_keys fk
where not exists (
    select 1
    from unnest(fk.conkey, fk.confkey) as pair(attnum, fattnum)
    join pg_attribute child_column on child_column.attrelid = fk.conrelid
                                  and child_column.attnum = pair.attnum
    join pg_attribute parent_column on parent_column.attrelid = fk.confrelid
                                   and parent_column.attnum = pair.fattnum
    where parent_column.attname = 'tenant_id'
      and (child_column.attname = 'tenant_id'
           or exists (select 1 from tenant_columns tc
                      where tc.relname = fk.child_table and tc.attname = child_column.attname)))
order by 1;
