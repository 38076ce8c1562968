// Tenant derivation for each legacy table, and the orders in which the
// upgrade walks the tables.
import { GLOBAL_TENANT_ID } from "../schema/tenants.ts";

export { GLOBAL_TENANT_ID };

/** Tables of the target schema, in 0001's order; the report covers each. */
export const TARGET_TABLES = [
  "tenants",
  "imports",
  "import_errors",
  "import_mappings",
  "loan_candidates",
  "loan_documents",
  "loan_datapoints",
  "loan_conflicts",
  "qc_rules",
  "qc_defects",
  "audits",
  "event_outbox",
  "monitoring_events",
] as const;

export type TargetTableName = (typeof TARGET_TABLES)[number];

/**
 * Tables that can hold quarantined rows, children before parents: a parent
 * row leaves only after the rows that reference it, so the legacy foreign
 * keys (ON DELETE NO ACTION) hold at every step.
 */
export const QUARANTINE_ORDER = [
  "loan_conflicts",
  "qc_defects",
  "loan_datapoints",
  "loan_documents",
  "import_errors",
  "import_mappings",
  "loan_candidates",
  "imports",
  "audits",
  "event_outbox",
] as const;

/** Children that follow a duplicate loan to the loan that is kept. */
export const LOAN_CHILDREN = [
  "loan_documents",
  "loan_datapoints",
  "loan_conflicts",
  "qc_defects",
] as const;

const UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/**
 * The tenant id text of a legacy audits row: the tenant_id in its row
 * snapshot; rule changes belong to the global pseudo-tenant.
 */
export function auditTenantText(alias: string): string {
  return `case when ${alias}.table_name = 'qc_rules' then '${GLOBAL_TENANT_ID}'
              else coalesce(${alias}.after ->> 'tenant_id', ${alias}.before ->> 'tenant_id') end`;
}

/** The tenant id text of a legacy event_outbox row, from its payload. */
export function outboxTenantText(alias: string): string {
  return `coalesce(${alias}.payload ->> 'tenantId', ${alias}.payload ->> 'tenant_id')`;
}

/** The tenant id as a uuid when `text` names an existing tenant (or the global one), else null. */
export function knownTenantSql(text: string): string {
  return `(case when (${text}) = '${GLOBAL_TENANT_ID}' then '${GLOBAL_TENANT_ID}'::uuid
               when (${text}) ~ '${UUID_PATTERN}'
               then (select t.id from public.tenants t where t.id = (${text})::uuid) end)`;
}

/** True when `text` looks like a uuid, so a missing tenant is distinguished from a malformed one. */
export function isUuidTextSql(text: string): string {
  return `((${text}) ~ '${UUID_PATTERN}')`;
}
