-- Tenant context functions, the global pseudo-tenant, and ownership of every
-- object by tapeline_owner.
--   app.current_tenant_id(): the transaction's tenant as a uuid, or null when
--     none is set (also after a RESET, when the setting reads as '').
--   app.set_tenant(tenant, actor): SET LOCAL app.tenant_id and app.actor with
--     the values quoted by format('%L'); SET takes no bind parameters, and
--     Citus forwards SET LOCAL to its workers but not set_config().
-- Safe while apps run: adds functions and changes owners only. Proven by
-- tenant.test.ts and rls.isolation.test.ts.
create or replace function app.global_tenant_id() returns uuid
    language sql immutable parallel safe
    as $$ select '00000000-0000-0000-0000-000000000000'::uuid $$;
--> statement-breakpoint
create or replace function app.current_tenant_id() returns uuid
    language sql stable parallel safe
    as $$ select nullif(current_setting('app.tenant_id', true), '')::uuid $$;
--> statement-breakpoint
create or replace function app.current_actor() returns text
    language sql stable parallel safe
    as $$ select coalesce(nullif(current_setting('app.actor', true), ''), session_user) $$;
--> statement-breakpoint
create or replace function app.set_tenant(tenant uuid, actor text default null) returns void
    language plpgsql volatile
    as $$
begin
    if tenant is null or tenant = app.global_tenant_id() then
        raise exception 'invalid tenant id: %', coalesce(tenant::text, 'null')
            using errcode = '22023',
                  hint = 'Pass the uuid of an existing tenant; the nil uuid is reserved for global rules.';
    end if;
    execute format('set local app.tenant_id = %L', tenant);
    execute format('set local app.actor = %L', coalesce(actor, ''));
end
$$;
--> statement-breakpoint
create or replace function app.create_tenant(tenant_slug text, tenant_name text) returns uuid
    language sql volatile security definer
    set search_path = pg_catalog, public
    as $$
        insert into public.tenants (slug, name) values (tenant_slug, tenant_name)
        on conflict (slug) do update set name = excluded.name
        returning id
    $$;
--> statement-breakpoint
create or replace function app.list_tenants()
    returns table (id uuid, slug text, name text, created_at timestamptz)
    language sql stable security definer
    set search_path = pg_catalog, public
    as $$
        select t.id, t.slug, t.name, t.created_at
        from public.tenants t
        where t.id <> app.global_tenant_id()
        order by t.created_at, t.slug
    $$;
--> statement-breakpoint
insert into tenants (id, slug, name)
values ('00000000-0000-0000-0000-000000000000', 'global', 'Global QC rules')
on conflict do nothing;
--> statement-breakpoint
revoke all on schema app from public;
--> statement-breakpoint
revoke all on all functions in schema app from public;
--> statement-breakpoint
grant usage on schema app to tapeline_app, tapeline_relay;
--> statement-breakpoint
grant execute on function app.current_tenant_id(), app.global_tenant_id(),
    app.current_actor(), app.set_tenant(uuid, text) to tapeline_app;
--> statement-breakpoint
alter schema app owner to tapeline_owner;
--> statement-breakpoint
alter function app.global_tenant_id() owner to tapeline_owner;
--> statement-breakpoint
alter function app.current_tenant_id() owner to tapeline_owner;
--> statement-breakpoint
alter function app.current_actor() owner to tapeline_owner;
--> statement-breakpoint
alter function app.set_tenant(uuid, text) owner to tapeline_owner;
--> statement-breakpoint
alter function app.create_tenant(text, text) owner to tapeline_owner;
--> statement-breakpoint
alter function app.list_tenants() owner to tapeline_owner;
--> statement-breakpoint
alter table tenants owner to tapeline_owner;
--> statement-breakpoint
alter table imports owner to tapeline_owner;
--> statement-breakpoint
alter table import_errors owner to tapeline_owner;
--> statement-breakpoint
alter table import_mappings owner to tapeline_owner;
--> statement-breakpoint
alter table loan_candidates owner to tapeline_owner;
--> statement-breakpoint
alter table loan_documents owner to tapeline_owner;
--> statement-breakpoint
alter table loan_datapoints owner to tapeline_owner;
--> statement-breakpoint
alter table loan_conflicts owner to tapeline_owner;
--> statement-breakpoint
alter table qc_rules owner to tapeline_owner;
--> statement-breakpoint
alter table qc_defects owner to tapeline_owner;
--> statement-breakpoint
alter table audits owner to tapeline_owner;
--> statement-breakpoint
alter table event_outbox owner to tapeline_owner;
--> statement-breakpoint
alter table monitoring_events owner to tapeline_owner;
--> statement-breakpoint
alter type audit_action owner to tapeline_owner;
--> statement-breakpoint
alter type conflict_kind owner to tapeline_owner;
--> statement-breakpoint
alter type conflict_status owner to tapeline_owner;
--> statement-breakpoint
alter type datapoint_source owner to tapeline_owner;
--> statement-breakpoint
alter type defect_status owner to tapeline_owner;
--> statement-breakpoint
alter type document_status owner to tapeline_owner;
--> statement-breakpoint
alter type extractor_kind owner to tapeline_owner;
--> statement-breakpoint
alter type import_format owner to tapeline_owner;
--> statement-breakpoint
alter type import_status owner to tapeline_owner;
--> statement-breakpoint
alter type outbox_status owner to tapeline_owner;
--> statement-breakpoint
alter type rule_severity owner to tapeline_owner;
--> statement-breakpoint
alter type rule_status owner to tapeline_owner;
