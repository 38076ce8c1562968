-- Drops the tenant foreign key of webhook_deliveries, one of three
-- reference checks on every delivery record the relay writes. The
-- composite key (tenant_id, subscriber_id) is NOT NULL and references
-- webhook_subscribers, whose tenant_id references tenants, so an unknown
-- tenant still fails there. Safe while apps run: dropping a constraint
-- takes a brief lock. Proven by tenant-reference.test.ts.
ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_tenant_id_tenants_id_fk";
