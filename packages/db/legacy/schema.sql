-- The schema of Tapeline before tenant isolation: the starting point of
-- `pnpm db:upgrade --from-legacy`. It differs from migrations 0000..0004 in
-- these ways, each of which the upgrade handles:
--   * no row-level security, roles, policies, app.* functions or audit
--     triggers; every object belongs to the user that created it;
--   * only loan_candidates and imports carry a tenant_id, and it is
--     nullable; child tables reach their tenant through their parents;
--   * audits and event_outbox carry the tenant only inside their JSON;
--   * qc_rules has no tenant: every legacy rule is global;
--   * single-column uuid primary keys, foreign keys without ON DELETE rules;
--   * no CHECK constraints, no unique loan number per tenant;
--   * loan_datapoints has no extractor_kind or prompt_version column, and
--     extractor_version is nullable;
--   * event_outbox.seq is a bigserial, not an identity column;
--   * monitoring_events does not exist.
-- Used by the upgrade tests and by the manual run in docs/upgrading.md.
create type import_format as enum ('hmda', 'csv');
create type import_status as enum ('pending', 'processing', 'completed', 'failed');
create type document_status as enum ('pending', 'extracted', 'needs_ocr', 'failed');
create type datapoint_source as enum ('extraction', 'tape', 'manual');
create type conflict_kind as enum ('tape_document', 'document_document');
create type conflict_status as enum ('open', 'resolved', 'waived');
create type rule_severity as enum ('info', 'warning', 'critical');
create type rule_status as enum ('active', 'retired');
create type defect_status as enum ('open', 'closed');
create type audit_action as enum ('insert', 'update', 'delete');
create type outbox_status as enum ('pending', 'processing', 'done', 'dead');

create table tenants (
    id uuid primary key default gen_random_uuid(),
    slug text not null,
    name text not null,
    created_at timestamp with time zone not null default now()
);
create unique index tenants_slug_key on tenants (slug);

create table imports (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid references tenants (id),
    format import_format not null,
    file_name text not null,
    file_sha256 text not null,
    file_size_bytes bigint not null,
    storage_key text not null,
    status import_status not null default 'pending',
    row_count integer,
    loan_count integer,
    datapoint_count integer,
    error_count integer,
    attempts integer not null default 0,
    last_error text,
    created_by text not null,
    created_at timestamp with time zone not null default now(),
    started_at timestamp with time zone,
    completed_at timestamp with time zone
);
create index imports_tenant_id_idx on imports (tenant_id);

create table import_errors (
    id uuid primary key default gen_random_uuid(),
    import_id uuid not null references imports (id),
    row_number integer not null,
    column_name text,
    value text,
    code text not null,
    reason text not null,
    created_at timestamp with time zone not null default now()
);
create index import_errors_import_id_idx on import_errors (import_id, row_number);

create table import_mappings (
    id uuid primary key default gen_random_uuid(),
    import_id uuid not null references imports (id),
    source_column text not null,
    field_key text not null,
    position integer not null,
    created_at timestamp with time zone not null default now(),
    unique (import_id, field_key)
);

create table loan_candidates (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid references tenants (id),
    loan_number text not null,
    created_at timestamp with time zone not null default now(),
    updated_at timestamp with time zone not null default now()
);
create index loan_candidates_tenant_id_loan_number_idx on loan_candidates (tenant_id, loan_number);

create table loan_documents (
    id uuid primary key default gen_random_uuid(),
    loan_id uuid not null references loan_candidates (id),
    file_name text not null,
    content_sha256 text not null,
    size_bytes bigint not null,
    page_count integer,
    document_type text not null default 'unknown',
    storage_key text not null,
    status document_status not null default 'pending',
    last_error text,
    created_by text not null,
    created_at timestamp with time zone not null default now(),
    extracted_at timestamp with time zone
);
create index loan_documents_loan_id_idx on loan_documents (loan_id);

create table loan_datapoints (
    id uuid primary key default gen_random_uuid(),
    loan_id uuid not null references loan_candidates (id),
    key text not null,
    source datapoint_source not null,
    value text not null,
    value_number numeric,
    confidence numeric(5, 4),
    evidence_doc_id uuid references loan_documents (id),
    evidence_page integer,
    evidence_text_hash text,
    extractor_version text,
    import_id uuid references imports (id),
    import_row_number integer,
    created_by text,
    created_at timestamp with time zone not null default now()
);
create index loan_datapoints_loan_id_idx on loan_datapoints (loan_id, key);
create index loan_datapoints_evidence_doc_id_idx on loan_datapoints (evidence_doc_id);

create table loan_conflicts (
    id uuid primary key default gen_random_uuid(),
    loan_id uuid not null references loan_candidates (id),
    key text not null,
    kind conflict_kind not null,
    left_datapoint_id uuid not null references loan_datapoints (id),
    right_datapoint_id uuid not null references loan_datapoints (id),
    left_value text not null,
    right_value text not null,
    status conflict_status not null default 'open',
    resolution_reason text,
    resolved_by text,
    resolved_at timestamp with time zone,
    created_at timestamp with time zone not null default now()
);
create index loan_conflicts_loan_id_idx on loan_conflicts (loan_id);

create table qc_rules (
    id uuid primary key default gen_random_uuid(),
    code text not null,
    name text not null,
    definition jsonb not null,
    severity rule_severity not null,
    message text not null,
    status rule_status not null default 'active',
    created_at timestamp with time zone not null default now(),
    retired_at timestamp with time zone
);
create unique index qc_rules_code_idx on qc_rules (code);

create table qc_defects (
    id uuid primary key default gen_random_uuid(),
    loan_id uuid not null references loan_candidates (id),
    rule_id uuid not null references qc_rules (id),
    status defect_status not null default 'open',
    severity rule_severity not null,
    message text not null,
    details jsonb not null default '{}'::jsonb,
    created_at timestamp with time zone not null default now(),
    closed_at timestamp with time zone
);
create index qc_defects_loan_id_idx on qc_defects (loan_id);

create table audits (
    id uuid primary key default gen_random_uuid(),
    actor text not null,
    action audit_action not null,
    table_name text not null,
    row_id uuid not null,
    before jsonb,
    after jsonb,
    created_at timestamp with time zone not null default now()
);
create index audits_table_row_idx on audits (table_name, row_id);

create table event_outbox (
    id uuid primary key default gen_random_uuid(),
    seq bigserial,
    type text not null,
    aggregate_type text not null,
    aggregate_id uuid not null,
    payload jsonb not null default '{}'::jsonb,
    status outbox_status not null default 'pending',
    attempts integer not null default 0,
    next_attempt_at timestamp with time zone not null default now(),
    locked_until timestamp with time zone,
    locked_by text,
    last_error text,
    created_at timestamp with time zone not null default now(),
    processed_at timestamp with time zone
);
create index event_outbox_claim_idx on event_outbox (next_attempt_at, seq)
    where status in ('pending', 'processing');
