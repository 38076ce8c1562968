-- Row-level security, grants and triggers for the webhook tables, and the
-- outbox notification the relay listens for.
--   webhook_subscribers: the application role manages a tenant's endpoints;
--     audited, with the secret left out of every audits row.
--   webhook_deliveries: the worker, as the application role inside the
--     event's tenant, records deliveries; rows go away only with their
--     subscriber (ON DELETE CASCADE), so the role gets no DELETE.
--   event_outbox: a statement-level trigger sends NOTIFY tapeline_outbox,
--     delivered at commit, so an idle relay claims at once.
-- The relay role gets nothing here: it still reads and updates event_outbox
-- only. Safe while apps run: adds policies, functions and triggers.
-- Proven by rls.isolation.test.ts, webhook-subscribers.test.ts and db:check.
alter table webhook_subscribers enable row level security;
--> statement-breakpoint
alter table webhook_subscribers force row level security;
--> statement-breakpoint
alter table webhook_deliveries enable row level security;
--> statement-breakpoint
alter table webhook_deliveries force row level security;
--> statement-breakpoint
grant select, insert, update, delete on webhook_subscribers to tapeline_app;
--> statement-breakpoint
create policy webhook_subscribers_select_own_tenant on webhook_subscribers
    for select to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy webhook_subscribers_insert_own_tenant on webhook_subscribers
    for insert to tapeline_app
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy webhook_subscribers_update_own_tenant on webhook_subscribers
    for update to tapeline_app
    using (tenant_id = app.current_tenant_id())
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy webhook_subscribers_delete_own_tenant on webhook_subscribers
    for delete to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
grant select, insert, update on webhook_deliveries to tapeline_app;
--> statement-breakpoint
create policy webhook_deliveries_select_own_tenant on webhook_deliveries
    for select to tapeline_app
    using (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy webhook_deliveries_insert_own_tenant on webhook_deliveries
    for insert to tapeline_app
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
create policy webhook_deliveries_update_own_tenant on webhook_deliveries
    for update to tapeline_app
    using (tenant_id = app.current_tenant_id())
    with check (tenant_id = app.current_tenant_id());
--> statement-breakpoint
-- Audit functions that drop the columns named in the trigger's arguments
-- from the recorded rows, for tables holding secrets.
create or replace function app.audit_insert_redacted() returns trigger
    language plpgsql
    as $$
begin
    insert into public.audits (tenant_id, actor, action, table_name, row_id, after)
    select n.tenant_id, app.current_actor(), 'insert', tg_table_name, n.id,
           to_jsonb(n) - tg_argv
    from new_rows n;
    return null;
end
$$;
--> statement-breakpoint
create or replace function app.audit_update_redacted() returns trigger
    language plpgsql
    as $$
begin
    insert into public.audits (tenant_id, actor, action, table_name, row_id, before, after)
    select n.tenant_id, app.current_actor(), 'update', tg_table_name, n.id,
           to_jsonb(o) - tg_argv, to_jsonb(n) - tg_argv
    from new_rows n
    join old_rows o on o.tenant_id = n.tenant_id and o.id = n.id
    where to_jsonb(o) is distinct from to_jsonb(n);
    return null;
end
$$;
--> statement-breakpoint
create or replace function app.audit_delete_redacted() returns trigger
    language plpgsql
    as $$
begin
    insert into public.audits (tenant_id, actor, action, table_name, row_id, before)
    select o.tenant_id, app.current_actor(), 'delete', tg_table_name, o.id,
           to_jsonb(o) - tg_argv
    from old_rows o;
    return null;
end
$$;
--> statement-breakpoint
alter function app.audit_insert_redacted() owner to tapeline_owner;
--> statement-breakpoint
grant execute on function app.audit_insert_redacted() to tapeline_app;
--> statement-breakpoint
alter function app.audit_update_redacted() owner to tapeline_owner;
--> statement-breakpoint
grant execute on function app.audit_update_redacted() to tapeline_app;
--> statement-breakpoint
alter function app.audit_delete_redacted() owner to tapeline_owner;
--> statement-breakpoint
grant execute on function app.audit_delete_redacted() to tapeline_app;
--> statement-breakpoint
create trigger webhook_subscribers_audit_insert
    after insert on webhook_subscribers
    referencing new table as new_rows
    for each statement execute function app.audit_insert_redacted('secret');
--> statement-breakpoint
create trigger webhook_subscribers_audit_update
    after update on webhook_subscribers
    referencing old table as old_rows new table as new_rows
    for each statement execute function app.audit_update_redacted('secret');
--> statement-breakpoint
create trigger webhook_subscribers_audit_delete
    after delete on webhook_subscribers
    referencing old table as old_rows
    for each statement execute function app.audit_delete_redacted('secret');
--> statement-breakpoint
-- NOTIFY carries no payload: listeners only learn that something committed
-- and claim through the normal path, so a lost notification costs one poll
-- interval and nothing else.
create or replace function app.notify_outbox() returns trigger
    language plpgsql
    as $$
begin
    perform pg_notify('tapeline_outbox', '');
    return null;
end
$$;
--> statement-breakpoint
alter function app.notify_outbox() owner to tapeline_owner;
--> statement-breakpoint
grant execute on function app.notify_outbox() to tapeline_app;
--> statement-breakpoint
create trigger event_outbox_notify
    after insert on event_outbox
    for each statement execute function app.notify_outbox();
