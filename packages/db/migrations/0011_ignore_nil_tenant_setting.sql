-- Makes app.current_tenant_id() return null when app.tenant_id holds the
-- nil uuid. app.set_tenant already rejects the nil uuid, but a role can set
-- its own custom settings directly; before this change a session of the
-- application role that set app.tenant_id to the nil uuid matched the
-- global pseudo-tenant's rows in every "own tenant" policy, so it could
-- write global QC rules and rows owned by no real tenant. Null matches no
-- row, so such a session now sees and writes nothing.
-- Safe while apps run: replaces one function with the same signature.
-- Proven by rls.table-rules.test.ts (a session set to the global tenant).
create or replace function app.current_tenant_id() returns uuid
    language sql stable parallel safe
    as $$
        select nullif(
            nullif(current_setting('app.tenant_id', true), '')::uuid,
            '00000000-0000-0000-0000-000000000000'::uuid
        )
    $$;
