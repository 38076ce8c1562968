-- Shows the global QC rules only to a transaction that has set a tenant.
-- Until now qc_rules_select_own_tenant_or_global matched the global rules
-- with no tenant set, so a query that bypassed db.tenant() still read
-- them, while every other tenant table returns no rows without a tenant.
-- Safe while apps run: alters one policy; every application query sets a
-- tenant. Proven by rls.table-rules.test.ts and the isolation suite on an
-- upgraded legacy database (rls.isolation.upgraded.test.ts).
alter policy qc_rules_select_own_tenant_or_global on qc_rules
    using (tenant_id = app.current_tenant_id()
           or (tenant_id = app.global_tenant_id() and app.current_tenant_id() is not null));
