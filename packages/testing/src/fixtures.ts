// Tenant fixtures: two tenants, A and B, created through the system role.
import { randomBytes } from "node:crypto";
import type { SystemDatabase } from "@tapeline/db";

export interface TenantPair {
  tenantA: string;
  tenantB: string;
}

export async function createTenant(system: SystemDatabase, label: string): Promise<string> {
  const slug = `${label}-${randomBytes(4).toString("hex")}`;
  return system.createTenant(slug, `Test tenant ${label}`);
}

export async function createTenantPair(system: SystemDatabase): Promise<TenantPair> {
  return {
    tenantA: await createTenant(system, "tenant-a"),
    tenantB: await createTenant(system, "tenant-b"),
  };
}
