-- Creates the three roles Tapeline runs as, if they are missing.
--   tapeline_owner: owns every object; no login, migrations hand objects to it.
--   tapeline_app:   the API and worker; owns nothing, no BYPASSRLS.
--   tapeline_relay: reads and updates event_outbox across tenants, nothing else.
-- Passwords are set outside migrations (db:migrate, from the environment).
-- Safe while apps run: creates roles only. Proven by rls.isolation.test.ts.
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'tapeline_owner') then
        create role tapeline_owner nologin;
    end if;
    if not exists (select 1 from pg_roles where rolname = 'tapeline_app') then
        create role tapeline_app login nosuperuser nocreatedb nocreaterole nobypassrls;
    end if;
    if not exists (select 1 from pg_roles where rolname = 'tapeline_relay') then
        create role tapeline_relay login nosuperuser nocreatedb nocreaterole nobypassrls;
    end if;
end
$$;
--> statement-breakpoint
create schema if not exists app;
