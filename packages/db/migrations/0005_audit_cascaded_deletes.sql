-- Lets ON DELETE CASCADE write its audits rows. PostgreSQL runs a cascaded
-- delete as the owner of the child table (tapeline_owner), so the child's
-- audit trigger inserts into audits as that role; under FORCE ROW LEVEL
-- SECURITY, with no policy for the owner, every delete of a loan with
-- documents or of an import with errors failed. The owner may insert audits
-- rows only for the transaction's tenant, as the application role may.
-- Safe while apps run: adds one policy. Proven by on-delete.test.ts.
create policy audits_insert_owner_current_tenant on audits
    for insert to tapeline_owner
    with check (tenant_id = app.current_tenant_id());
