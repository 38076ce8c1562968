-- Audit triggers: every insert, update and delete on a tenant table writes
-- one audits row per changed row, in the same transaction, with tenant,
-- actor (app.actor, set by app.set_tenant), action, table, row id and the
-- row before and after. Statement-level triggers with transition tables keep
-- bulk imports to one extra statement per table. The functions run as the
-- invoker, so audits rows pass the same tenant policy as the change.
-- Safe while apps run. Proven by audit.test.ts.
create or replace function app.audit_insert() returns trigger
    language plpgsql
    as $$
begin
    insert into public.audits (tenant_id, actor, action, table_name, row_id, after)
    select n.tenant_id, app.current_actor(), 'insert', tg_table_name, n.id, to_jsonb(n)
    from new_rows n;
    return null;
end
$$;
--> statement-breakpoint
create or replace function app.audit_update() returns trigger
    language plpgsql
    as $$
begin
    insert into public.audits (tenant_id, actor, action, table_name, row_id, before, after)
    select n.tenant_id, app.current_actor(), 'update', tg_table_name, n.id, to_jsonb(o), to_jsonb(n)
    from new_rows n
    join old_rows o on o.tenant_id = n.tenant_id and o.id = n.id
    where to_jsonb(o) is distinct from to_jsonb(n);
    return null;
end
$$;
--> statement-breakpoint
create or replace function app.audit_delete() returns trigger
    language plpgsql
    as $$
begin
    insert into public.audits (tenant_id, actor, action, table_name, row_id, before)
    select o.tenant_id, app.current_actor(), 'delete', tg_table_name, o.id, to_jsonb(o)
    from old_rows o;
    return null;
end
$$;
--> statement-breakpoint
alter function app.audit_insert() owner to tapeline_owner;
--> statement-breakpoint
grant execute on function app.audit_insert() to tapeline_app;
--> statement-breakpoint
alter function app.audit_update() owner to tapeline_owner;
--> statement-breakpoint
grant execute on function app.audit_update() to tapeline_app;
--> statement-breakpoint
alter function app.audit_delete() owner to tapeline_owner;
--> statement-breakpoint
grant execute on function app.audit_delete() to tapeline_app;
--> statement-breakpoint
create trigger imports_audit_insert
    after insert on imports
    referencing new table as new_rows
    for each statement execute function app.audit_insert();
--> statement-breakpoint
create trigger imports_audit_update
    after update on imports
    referencing old table as old_rows new table as new_rows
    for each statement execute function app.audit_update();
--> statement-breakpoint
create trigger imports_audit_delete
    after delete on imports
    referencing old table as old_rows
    for each statement execute function app.audit_delete();
--> statement-breakpoint
create trigger import_errors_audit_insert
    after insert on import_errors
    referencing new table as new_rows
    for each statement execute function app.audit_insert();
--> statement-breakpoint
create trigger import_errors_audit_update
    after update on import_errors
    referencing old table as old_rows new table as new_rows
    for each statement execute function app.audit_update();
--> statement-breakpoint
create trigger import_errors_audit_delete
    after delete on import_errors
    referencing old table as old_rows
    for each statement execute function app.audit_delete();
--> statement-breakpoint
create trigger import_mappings_audit_insert
    after insert on import_mappings
    referencing new table as new_rows
    for each statement execute function app.audit_insert();
--> statement-breakpoint
create trigger import_mappings_audit_update
    after update on import_mappings
    referencing old table as old_rows new table as new_rows
    for each statement execute function app.audit_update();
--> statement-breakpoint
create trigger import_mappings_audit_delete
    after delete on import_mappings
    referencing old table as old_rows
    for each statement execute function app.audit_delete();
--> statement-breakpoint
create trigger loan_candidates_audit_insert
    after insert on loan_candidates
    referencing new table as new_rows
    for each statement execute function app.audit_insert();
--> statement-breakpoint
create trigger loan_candidates_audit_update
    after update on loan_candidates
    referencing old table as old_rows new table as new_rows
    for each statement execute function app.audit_update();
--> statement-breakpoint
create trigger loan_candidates_audit_delete
    after delete on loan_candidates
    referencing old table as old_rows
    for each statement execute function app.audit_delete();
--> statement-breakpoint
create trigger loan_documents_audit_insert
    after insert on loan_documents
    referencing new table as new_rows
    for each statement execute function app.audit_insert();
--> statement-breakpoint
create trigger loan_documents_audit_update
    after update on loan_documents
    referencing old table as old_rows new table as new_rows
    for each statement execute function app.audit_update();
--> statement-breakpoint
create trigger loan_documents_audit_delete
    after delete on loan_documents
    referencing old table as old_rows
    for each statement execute function app.audit_delete();
--> statement-breakpoint
create trigger loan_datapoints_audit_insert
    after insert on loan_datapoints
    referencing new table as new_rows
    for each statement execute function app.audit_insert();
--> statement-breakpoint
create trigger loan_datapoints_audit_update
    after update on loan_datapoints
    referencing old table as old_rows new table as new_rows
    for each statement execute function app.audit_update();
--> statement-breakpoint
create trigger loan_datapoints_audit_delete
    after delete on loan_datapoints
    referencing old table as old_rows
    for each statement execute function app.audit_delete();
--> statement-breakpoint
create trigger loan_conflicts_audit_insert
    after insert on loan_conflicts
    referencing new table as new_rows
    for each statement execute function app.audit_insert();
--> statement-breakpoint
create trigger loan_conflicts_audit_update
    after update on loan_conflicts
    referencing old table as old_rows new table as new_rows
    for each statement execute function app.audit_update();
--> statement-breakpoint
create trigger loan_conflicts_audit_delete
    after delete on loan_conflicts
    referencing old table as old_rows
    for each statement execute function app.audit_delete();
--> statement-breakpoint
create trigger qc_rules_audit_insert
    after insert on qc_rules
    referencing new table as new_rows
    for each statement execute function app.audit_insert();
--> statement-breakpoint
create trigger qc_rules_audit_update
    after update on qc_rules
    referencing old table as old_rows new table as new_rows
    for each statement execute function app.audit_update();
--> statement-breakpoint
create trigger qc_rules_audit_delete
    after delete on qc_rules
    referencing old table as old_rows
    for each statement execute function app.audit_delete();
--> statement-breakpoint
create trigger qc_defects_audit_insert
    after insert on qc_defects
    referencing new table as new_rows
    for each statement execute function app.audit_insert();
--> statement-breakpoint
create trigger qc_defects_audit_update
    after update on qc_defects
    referencing old table as old_rows new table as new_rows
    for each statement execute function app.audit_update();
--> statement-breakpoint
create trigger qc_defects_audit_delete
    after delete on qc_defects
    referencing old table as old_rows
    for each statement execute function app.audit_delete();
