-- Enables and forces row-level security on every tenant table, and grants
-- the application and relay roles exactly the commands they need.
-- Every tenant policy compares tenant_id with app.current_tenant_id() and
-- uses no subquery, because Citus rejects subqueries in policies on
-- distributed tables. With no tenant set, reads return no rows and writes
-- fail their WITH CHECK.
-- Not safe while an older application without app.set_tenant runs: it would
-- see no rows. Proven by rls.isolation.test.ts and db:check.
alter table tenants enable row level security;
--> statement-breakpoint
alter table tenants force row level security;
--> statement-breakpoint
alter table imports enable row level security;
--> statement-breakpoint
alter table imports force row level security;
--> statement-breakpoint
alter table import_errors enable row level security;
--> statement-breakpoint
alter table import_errors force row level security;
--> statement-breakpoint
alter table import_mappings enable row level security;
--> statement-breakpoint
alter table import_mappings force row level security;
--> statement-breakpoint
alter table loan_candidates enable row level security;
--> statement-breakpoint
alter table loan_candidates force row level security;
--> statement-breakpoint
alter table loan_documents enable row level security;
--> statement-breakpoint
alter table loan_documents force row level security;
--> statement-breakpoint
alter table loan_datapoints enable row level security;
--> statement-breakpoint
alter table loan_datapoints force row level security;
--> statement-breakpoint
alter table loan_conflicts enable row level security;
--> statement-breakpoint
alter table loan_conflicts force row level security;
--> statement-breakpoint
alter table qc_defects enable row level security;
--> statement-breakpoint
alter table qc_defects force row level security;
--> statement-breakpoint
alter table qc_rules enable row level security;
--> statement-breakpoint
alter table qc_rules force row level security;
--> statement-breakpoint
alter table audits enable row level security;
--> statement-breakpoint
alter table audits force row level security;
--> statement-breakpoint
alter table event_outbox enable row level security;
--> statement-breakpoint
alter table event_outbox force row level security;
--> statement-breakpoint
alter table monitoring_events enable row level security;
--> statement-breakpoint
alter table monitoring_events force row level security;
--> statement-breakpoint
revoke all on all tables in schema public from public;
--> statement-breakpoint
grant select, insert, update, delete on imports to tapeline_app;
--> statement-breakpoint
create policy imports_select_own_tenant on imports
    for select to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy imports_insert_own_tenant on imports
    for insert to tapeline_app
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy imports_update_own_tenant on imports
    for update to tapeline_app
    using (tenant_id = app.current_tenant_id())
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy imports_delete_own_tenant on imports
    for delete to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
grant select, insert, update, delete on import_errors to tapeline_app;
--> statement-breakpoint
create policy import_errors_select_own_tenant on import_errors
    for select to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy import_errors_insert_own_tenant on import_errors
    for insert to tapeline_app
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy import_errors_update_own_tenant on import_errors
    for update to tapeline_app
    using (tenant_id = app.current_tenant_id())
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy import_errors_delete_own_tenant on import_errors
    for delete to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
grant select, insert, update, delete on import_mappings to tapeline_app;
--> statement-breakpoint
create policy import_mappings_select_own_tenant on import_mappings
    for select to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy import_mappings_insert_own_tenant on import_mappings
    for insert to tapeline_app
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy import_mappings_update_own_tenant on import_mappings
    for update to tapeline_app
    using (tenant_id = app.current_tenant_id())
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy import_mappings_delete_own_tenant on import_mappings
    for delete to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
grant select, insert, update, delete on loan_candidates to tapeline_app;
--> statement-breakpoint
create policy loan_candidates_select_own_tenant on loan_candidates
    for select to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy loan_candidates_insert_own_tenant on loan_candidates
    for insert to tapeline_app
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy loan_candidates_update_own_tenant on loan_candidates
    for update to tapeline_app
    using (tenant_id = app.current_tenant_id())
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy loan_candidates_delete_own_tenant on loan_candidates
    for delete to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
grant select, insert, update, delete on loan_documents to tapeline_app;
--> statement-breakpoint
create policy loan_documents_select_own_tenant on loan_documents
    for select to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy loan_documents_insert_own_tenant on loan_documents
    for insert to tapeline_app
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy loan_documents_update_own_tenant on loan_documents
    for update to tapeline_app
    using (tenant_id = app.current_tenant_id())
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy loan_documents_delete_own_tenant on loan_documents
    for delete to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
grant select, insert, update, delete on loan_datapoints to tapeline_app;
--> statement-breakpoint
create policy loan_datapoints_select_own_tenant on loan_datapoints
    for select to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy loan_datapoints_insert_own_tenant on loan_datapoints
    for insert to tapeline_app
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy loan_datapoints_update_own_tenant on loan_datapoints
    for update to tapeline_app
    using (tenant_id = app.current_tenant_id())
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy loan_datapoints_delete_own_tenant on loan_datapoints
    for delete to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
grant select, insert, update, delete on loan_conflicts to tapeline_app;
--> statement-breakpoint
create policy loan_conflicts_select_own_tenant on loan_conflicts
    for select to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy loan_conflicts_insert_own_tenant on loan_conflicts
    for insert to tapeline_app
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy loan_conflicts_update_own_tenant on loan_conflicts
    for update to tapeline_app
    using (tenant_id = app.current_tenant_id())
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy loan_conflicts_delete_own_tenant on loan_conflicts
    for delete to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
grant select, insert, update, delete on qc_defects to tapeline_app;
--> statement-breakpoint
create policy qc_defects_select_own_tenant on qc_defects
    for select to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy qc_defects_insert_own_tenant on qc_defects
    for insert to tapeline_app
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy qc_defects_update_own_tenant on qc_defects
    for update to tapeline_app
    using (tenant_id = app.current_tenant_id())
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy qc_defects_delete_own_tenant on qc_defects
    for delete to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
grant select on tenants to tapeline_app;
--> statement-breakpoint
create policy tenants_select_own_tenant on tenants
    for select to tapeline_app
    using (id = app.current_tenant_id());
--> statement-breakpoint
-- app.create_tenant and app.list_tenants run as the owner (security definer).
create policy tenants_all_owner on tenants
    for all to tapeline_owner
    using (true)
    with check (true);
--> statement-breakpoint
grant select, insert, update, delete on qc_rules to tapeline_app;
--> statement-breakpoint
create policy qc_rules_select_own_tenant_or_global on qc_rules
    for select to tapeline_app
    using (tenant_id = app.current_tenant_id() or tenant_id = app.global_tenant_id());
--> statement-breakpoint
create policy qc_rules_insert_own_tenant on qc_rules
    for insert to tapeline_app
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy qc_rules_update_own_tenant on qc_rules
    for update to tapeline_app
    using (tenant_id = app.current_tenant_id())
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy qc_rules_delete_own_tenant on qc_rules
    for delete to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy qc_rules_all_owner_global on qc_rules
    for all to tapeline_owner
    using (tenant_id = app.global_tenant_id())
    with check (tenant_id = app.global_tenant_id());
--> statement-breakpoint
grant select, insert on audits to tapeline_app;
--> statement-breakpoint
create policy audits_select_own_tenant on audits
    for select to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy audits_insert_own_tenant on audits
    for insert to tapeline_app
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
grant select, insert on event_outbox to tapeline_app;
--> statement-breakpoint
create policy event_outbox_select_own_tenant on event_outbox
    for select to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy event_outbox_insert_own_tenant on event_outbox
    for insert to tapeline_app
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
grant select, update on event_outbox to tapeline_relay;
--> statement-breakpoint
create policy event_outbox_select_relay on event_outbox
    for select to tapeline_relay
    using (true);
--> statement-breakpoint
create policy event_outbox_update_relay on event_outbox
    for update to tapeline_relay
    using (true)
    with check (true);
--> statement-breakpoint
grant select, insert on monitoring_events to tapeline_app;
--> statement-breakpoint
create policy monitoring_events_select_own_tenant on monitoring_events
    for select to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy monitoring_events_insert_own_tenant on monitoring_events
    for insert to tapeline_app
    with check (tenant_id = app.current_tenant_id());
