-- Cuts the per-row work of a tape import without changing what the
-- database guarantees:
--   - drops the tenant foreign keys of loan_datapoints and import_errors.
--     Their composite keys (tenant_id, loan_id) and (tenant_id, import_id)
--     are NOT NULL and reference rows whose tenant_id references tenants,
--     so an unknown tenant still fails there, one reference check sooner.
--   - makes the three loan_datapoints indexes on evidence and confidence
--     partial (not null). Tape and manual rows carry neither, and every
--     query and foreign-key lookup on them compares with a value.
--   - gives loan_candidates, loan_datapoints and audits time-ordered ids
--     (UUIDv7, RFC 9562), so an import appends to their primary keys and
--     to audits_row_idx instead of writing a random page per row. The id
--     reveals the creation time to the millisecond, as created_at does.
-- Blocks writes to loan_datapoints while its three indexes are rebuilt
-- (seconds per million rows); other tables are safe while apps run.
-- Proven by tenant-reference.test.ts and the catalog checks.
create or replace function app.uuid_v7() returns uuid
    language sql volatile parallel safe
    as $$
    -- gen_random_uuid() supplies the random bits. Bytes 1-6 become the
    -- Unix time in milliseconds; bits 52 and 53 turn version 4 into 7.
    select encode(
        set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
                    placing substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
                    from 1 for 6),
            52, 1), 53, 1),
        'hex')::uuid
$$;
--> statement-breakpoint
alter function app.uuid_v7() owner to tapeline_owner;
--> statement-breakpoint
revoke all on function app.uuid_v7() from public;
--> statement-breakpoint
grant execute on function app.uuid_v7() to tapeline_app;
--> statement-breakpoint
alter table import_errors drop constraint import_errors_tenant_id_tenants_id_fk;
--> statement-breakpoint
alter table loan_datapoints drop constraint loan_datapoints_tenant_id_tenants_id_fk;
--> statement-breakpoint
drop index loan_datapoints_loan_evidence_idx;
--> statement-breakpoint
drop index loan_datapoints_confidence_idx;
--> statement-breakpoint
drop index loan_datapoints_evidence_idx;
--> statement-breakpoint
create index loan_datapoints_loan_evidence_idx on loan_datapoints
    using btree (tenant_id, loan_id, evidence_doc_id)
    where evidence_doc_id is not null;
--> statement-breakpoint
create index loan_datapoints_confidence_idx on loan_datapoints
    using btree (tenant_id, confidence)
    where confidence is not null;
--> statement-breakpoint
create index loan_datapoints_evidence_idx on loan_datapoints
    using btree (tenant_id, evidence_doc_id, evidence_page)
    where evidence_doc_id is not null;
--> statement-breakpoint
alter table loan_candidates alter column id set default app.uuid_v7();
--> statement-breakpoint
alter table loan_datapoints alter column id set default app.uuid_v7();
--> statement-breakpoint
alter table audits alter column id set default app.uuid_v7();
