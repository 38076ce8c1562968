-- Fills a database created from legacy/schema.sql with the data that years
-- of production leave behind. Deterministic: ids are md5 hashes of names,
-- timestamps are fixed, anomalies are chosen by modulo of the loan number.
-- Settings (set before running this file):
--   legacy_fixture.loans               loans to create; each has 20 datapoints
--                                      (10 tape, 8 extraction, 2 manual)
--   legacy_fixture.extractor_version   the version the upgrade backfills; some
--                                      rows collide with it after the backfill
-- Anomalies, each handled by the upgrade:
--   loans and imports without a tenant (loan i % 97 = 0, two imports) or
--   with a tenant that does not exist (one import, written with foreign
--   keys switched off, as an old bulk loader did); duplicate loan numbers
--   within a tenant (i % 53 = 0), whose documents, datapoints, conflicts and
--   defects partly collide with the kept loan's; orphans whose loan, import
--   or rule is gone (i % 67 = 0, i % 73 = 0, four import errors); datapoints
--   citing another tenant's document (i % 71 = 0) and conflicts citing
--   another tenant's datapoint (i % 79 = 0); extraction rows without an
--   extractor version (a third of them), without an evidence hash
--   (i % 89 = 0) or duplicated once the version is backfilled (i % 61 = 0);
--   manual rows without an author (i % 101 = 0); audits and outbox events
--   whose tenant is only in their JSON, missing, or not a tenant.
create temp table fixture_params as
select current_setting('legacy_fixture.loans')::integer as loans,
       current_setting('legacy_fixture.extractor_version') as current_version;

insert into tenants (id, slug, name, created_at)
select md5('tenant:' || t)::uuid, 'lender-' || t, 'Lender ' || t,
       timestamptz '2019-01-01 00:00:00+00' + t * interval '1 hour'
from generate_series(1, 5) t;

-- One import per tenant and block of 250 loans.
insert into imports (id, tenant_id, format, file_name, file_sha256, file_size_bytes,
                     storage_key, status, row_count, loan_count, datapoint_count,
                     error_count, attempts, created_by, created_at, started_at, completed_at)
select md5('import:' || t || ':' || b)::uuid, md5('tenant:' || t)::uuid,
       (case when b % 2 = 0 then 'hmda' else 'csv' end)::import_format,
       'tape-' || t || '-' || b || '.csv',
       md5('file:' || t || ':' || b) || md5('file-2:' || t || ':' || b),
       10000 + b, 'tenants/' || t || '/imports/' || b, 'completed',
       250, 50, 2500, 3, 1, 'loader', x.ts, x.ts, x.ts + interval '5 minutes'
from fixture_params p, generate_series(1, 5) t, generate_series(0, (p.loans - 1) / 250) b,
     lateral (select timestamptz '2019-02-01 00:00:00+00' + b * interval '1 day' + t * interval '1 minute' as ts) x;

insert into imports (id, tenant_id, format, file_name, file_sha256, file_size_bytes,
                     storage_key, status, created_by, created_at)
select md5('import:no-tenant:' || k)::uuid, null, 'csv', 'untitled-' || k || '.csv',
       md5('file:no-tenant:' || k) || md5('file-2:no-tenant:' || k), 512,
       'imports/untitled-' || k, 'failed', 'loader',
       timestamptz '2019-01-15 00:00:00+00' + k * interval '1 hour'
from generate_series(1, 2) k;

insert into loan_candidates (id, tenant_id, loan_number, created_at, updated_at)
select md5('loan:' || i)::uuid,
       case when i % 97 = 0 then null else md5('tenant:' || ((i - 1) % 5 + 1))::uuid end,
       'LN-' || lpad(i::text, 8, '0'), x.ts, x.ts
from fixture_params p, generate_series(1, p.loans) i,
     lateral (select timestamptz '2019-03-01 00:00:00+00' + i * interval '1 minute' as ts) x;

-- The same loan number imported again a month later.
insert into loan_candidates (id, tenant_id, loan_number, created_at, updated_at)
select md5('loan:dup:' || l.i)::uuid, c.tenant_id, c.loan_number,
       c.created_at + interval '30 days', c.created_at + interval '30 days'
from fixture_params p, generate_series(53, p.loans, 53) l(i)
join loan_candidates c on c.id = md5('loan:' || l.i)::uuid;

insert into loan_documents (id, loan_id, file_name, content_sha256, size_bytes, page_count,
                            document_type, storage_key, status, created_by, created_at, extracted_at)
select md5('doc:' || i || ':' || d)::uuid, md5('loan:' || i)::uuid,
       'loan-' || i || '-' || d || '.pdf',
       md5('content:' || i || ':' || d) || md5('content-2:' || i || ':' || d),
       40000 + i, 3, case d when 1 then 'closing_disclosure' else 'loan_estimate' end,
       'documents/' || i || '/' || d, 'extracted', 'uploader',
       timestamptz '2019-03-02 00:00:00+00' + i * interval '1 minute',
       timestamptz '2019-03-02 00:10:00+00' + i * interval '1 minute'
from fixture_params p, generate_series(1, p.loans) i, generate_series(1, 2) d;

-- Documents of duplicate loans: the first has the kept loan's content.
insert into loan_documents (id, loan_id, file_name, content_sha256, size_bytes, page_count,
                            document_type, storage_key, status, created_by, created_at)
select md5('doc:dup:' || i || ':' || d)::uuid, md5('loan:dup:' || i)::uuid,
       'loan-' || i || '-again-' || d || '.pdf',
       case d when 1 then md5('content:' || i || ':1') || md5('content-2:' || i || ':1')
              else md5('content:dup:' || i) || md5('content-2:dup:' || i) end,
       50000 + i, 2, 'closing_disclosure', 'documents/dup/' || i || '/' || d, 'extracted',
       'uploader', timestamptz '2019-04-02 00:00:00+00' + i * interval '1 minute'
from fixture_params p, generate_series(53, p.loans, 53) i, generate_series(1, 2) d;

-- Tape datapoints: ten fields per loan from its tenant's import.
insert into loan_datapoints (id, loan_id, key, source, value, value_number,
                             import_id, import_row_number, created_at)
select md5('dp:tape:' || i || ':' || k)::uuid, md5('loan:' || i)::uuid,
       (array['loan_amount', 'interest_rate', 'loan_term', 'property_value', 'loan_purpose',
              'occupancy_type', 'lien_status', 'action_taken', 'state', 'county'])[k],
       'tape', (i * k)::text, i * k,
       md5('import:' || ((i - 1) % 5 + 1) || ':' || ((i - 1) / 250))::uuid,
       (i - 1) % 250 + 1,
       timestamptz '2019-03-01 00:00:00+00' + i * interval '1 minute'
from fixture_params p, generate_series(1, p.loans) i, generate_series(1, 10) k;

-- Extraction datapoints: four fields from each of the two documents.
insert into loan_datapoints (id, loan_id, key, source, value, value_number, confidence,
                             evidence_doc_id, evidence_page, evidence_text_hash,
                             extractor_version, created_at)
select md5('dp:ext:' || i || ':' || d || ':' || j)::uuid, md5('loan:' || i)::uuid,
       (array['interest_rate', 'loan_amount', 'loan_term', 'apr'])[j],
       'extraction', (i * j + d)::text, i * j + d, 0.9 + j / 100.0,
       case when i % 71 = 0 and d = 1 and j = 1 then md5('doc:' || (i + 1) || ':1')::uuid
            else md5('doc:' || i || ':' || d)::uuid end,
       j,
       case when i % 89 = 0 and d = 2 and j = 4 then null
            else md5('text:' || i || ':' || d || ':' || j) || md5('text-2:' || i || ':' || d || ':' || j) end,
       case when (i + j + d) % 3 = 0 then null else 'rules-2025.06.2' end,
       timestamptz '2019-03-02 00:20:00+00' + i * interval '1 minute'
from fixture_params p, generate_series(1, p.loans) i, generate_series(1, 2) d, generate_series(1, 4) j;

-- The same field extracted twice from one document: once before versions
-- were recorded, once by the current extractor.
insert into loan_datapoints (id, loan_id, key, source, value, confidence, evidence_doc_id,
                             evidence_page, evidence_text_hash, extractor_version, created_at)
select md5('dp:ext-again:' || i || ':' || n)::uuid, md5('loan:' || i)::uuid, 'appraised_value',
       'extraction', (1000 * i + n)::text, 0.8, md5('doc:' || i || ':1')::uuid, 2,
       md5('text:again:' || i) || md5('text-2:again:' || i),
       case n when 1 then null else p.current_version end,
       timestamptz '2019-03-03 00:00:00+00' + i * interval '1 minute' + n * interval '1 second'
from fixture_params p, generate_series(61, p.loans, 61) i, generate_series(1, 2) n;

insert into loan_datapoints (id, loan_id, key, source, value, created_by, created_at)
select md5('dp:man:' || i || ':' || m)::uuid, md5('loan:' || i)::uuid,
       (array['borrower_name', 'notes'])[m], 'manual', 'entered ' || i,
       case when i % 101 = 0 and m = 1 then null else 'analyst-' || (i % 7) end,
       timestamptz '2019-03-04 00:00:00+00' + i * interval '1 minute'
from fixture_params p, generate_series(1, p.loans) i, generate_series(1, 2) m;

-- Datapoints of duplicate loans: manual ones survive (moved to the kept
-- loan); two cite the document whose content repeats the kept loan's.
insert into loan_datapoints (id, loan_id, key, source, value, created_by, created_at)
select md5('dp:dup-man:' || i || ':' || m)::uuid, md5('loan:dup:' || i)::uuid,
       'note_' || m, 'manual', 'again ' || i, 'analyst-dup',
       timestamptz '2019-04-03 00:00:00+00' + i * interval '1 minute'
from fixture_params p, generate_series(53, p.loans, 53) i, generate_series(1, 3) m;

insert into loan_datapoints (id, loan_id, key, source, value, confidence, evidence_doc_id,
                             evidence_page, evidence_text_hash, extractor_version, created_at)
select md5('dp:dup-ext:' || i || ':' || d || ':' || j)::uuid, md5('loan:dup:' || i)::uuid,
       'field_' || j, 'extraction', 'x', 0.7, md5('doc:dup:' || i || ':' || d)::uuid, 1,
       md5('text:dup:' || i || ':' || d || ':' || j) || md5('text-2:dup:' || i || ':' || d || ':' || j),
       'rules-2025.06.2', timestamptz '2019-04-03 00:10:00+00' + i * interval '1 minute'
from fixture_params p, generate_series(53, p.loans, 53) i,
     (values (1, 1), (1, 2), (2, 1)) v(d, j);

-- Conflicts: tape against document for every fifth loan; every tenth is resolved.
insert into loan_conflicts (id, loan_id, key, kind, left_datapoint_id, right_datapoint_id,
                            left_value, right_value, status, resolution_reason, resolved_by,
                            resolved_at, created_at)
select md5('conflict:' || i)::uuid, md5('loan:' || i)::uuid, 'interest_rate', 'tape_document',
       md5('dp:tape:' || i || ':2')::uuid, md5('dp:ext:' || i || ':1:1')::uuid,
       (i * 2)::text, (i + 1)::text,
       (case when i % 10 = 0 then 'resolved' else 'open' end)::conflict_status,
       case when i % 10 = 0 then 'tape is right' end,
       case when i % 10 = 0 then 'reviewer' end,
       case when i % 10 = 0 then timestamptz '2019-05-01 00:00:00+00' end,
       timestamptz '2019-03-05 00:00:00+00' + i * interval '1 minute'
from fixture_params p, generate_series(5, p.loans, 5) i;

insert into loan_conflicts (id, loan_id, key, kind, left_datapoint_id, right_datapoint_id,
                            left_value, right_value, status, created_at)
select md5('conflict:cross:' || i)::uuid, md5('loan:' || i)::uuid, 'loan_amount',
       'document_document', md5('dp:tape:' || i || ':1')::uuid,
       md5('dp:tape:' || (i + 1) || ':1')::uuid, i::text, (i + 1)::text, 'resolved',
       timestamptz '2019-03-06 00:00:00+00' + i * interval '1 minute'
from fixture_params p, generate_series(79, p.loans - 1, 79) i;

insert into loan_conflicts (id, loan_id, key, kind, left_datapoint_id, right_datapoint_id,
                            left_value, right_value, created_at)
select md5('conflict:dup:' || i)::uuid, md5('loan:dup:' || i)::uuid, 'interest_rate',
       'tape_document', md5('dp:dup-man:' || i || ':1')::uuid, md5('dp:dup-man:' || i || ':2')::uuid,
       'a', 'b', timestamptz '2019-04-05 00:00:00+00' + i * interval '1 minute'
from fixture_params p, generate_series(53, p.loans, 53) i;

insert into qc_rules (id, code, name, definition, severity, message, created_at)
select md5('rule:' || r)::uuid, 'QC-' || r, 'Rule ' || r,
       jsonb_build_object('field', 'loan_amount', 'op', 'gt', 'value', r * 1000),
       (array['info', 'warning', 'critical'])[r % 3 + 1]::rule_severity,
       'Rule ' || r || ' failed', timestamptz '2019-01-02 00:00:00+00' + r * interval '1 hour'
from generate_series(1, 6) r;

insert into qc_defects (id, loan_id, rule_id, severity, message, details, created_at)
select md5('defect:' || i)::uuid, md5('loan:' || i)::uuid, md5('rule:' || ((i / 4) % 6 + 1))::uuid,
       'warning', 'Rule failed for loan ' || i, jsonb_build_object('loan', i),
       timestamptz '2019-03-07 00:00:00+00' + i * interval '1 minute'
from fixture_params p, generate_series(4, p.loans, 4) i;

insert into qc_defects (id, loan_id, rule_id, severity, message, created_at)
select md5('defect:dup:' || i)::uuid, md5('loan:dup:' || i)::uuid,
       md5('rule:' || ((i / 4) % 6 + 1))::uuid, 'warning', 'Rule failed again',
       timestamptz '2019-04-07 00:00:00+00' + i * interval '1 minute'
from fixture_params p, generate_series(53, p.loans, 53) i;

-- Rows written while foreign keys were switched off: children of loans,
-- imports and rules that are gone, and an import of a tenant that is gone.
set session_replication_role = replica;

insert into imports (id, tenant_id, format, file_name, file_sha256, file_size_bytes,
                     storage_key, status, created_by, created_at)
values (md5('import:gone-tenant')::uuid, md5('tenant:gone')::uuid, 'hmda', 'old.txt',
        md5('file:gone') || md5('file-2:gone'), 100, 'imports/old', 'completed', 'loader',
        timestamptz '2019-01-20 00:00:00+00');

insert into import_errors (id, import_id, row_number, code, reason, created_at)
select md5('import_error:gone:' || k)::uuid, md5('import:gone:' || k)::uuid, k,
       'INVALID_ROW', 'row could not be parsed', timestamptz '2019-01-21 00:00:00+00'
from generate_series(1, 4) k;

insert into loan_documents (id, loan_id, file_name, content_sha256, size_bytes, document_type,
                            storage_key, created_by, created_at)
select md5('doc:gone:' || i)::uuid, md5('loan:gone:' || i)::uuid, 'lost-' || i || '.pdf',
       md5('content:gone:' || i) || md5('content-2:gone:' || i), 1000, 'unknown',
       'documents/gone/' || i, 'uploader', timestamptz '2019-03-08 00:00:00+00' + i * interval '1 minute'
from fixture_params p, generate_series(67, p.loans, 67) i;

insert into loan_datapoints (id, loan_id, key, source, value, created_by, created_at)
select md5('dp:gone:' || i || ':' || m)::uuid, md5('loan:gone:' || i)::uuid, 'notes', 'manual',
       'orphan', 'analyst', timestamptz '2019-03-08 00:00:00+00' + i * interval '1 minute'
from fixture_params p, generate_series(67, p.loans, 67) i, generate_series(1, 3) m;

insert into loan_conflicts (id, loan_id, key, kind, left_datapoint_id, right_datapoint_id,
                            left_value, right_value, created_at)
select md5('conflict:gone:' || i)::uuid, md5('loan:gone:' || i)::uuid, 'notes', 'document_document',
       md5('dp:gone:' || i || ':1')::uuid, md5('dp:gone:' || i || ':2')::uuid, 'a', 'b',
       timestamptz '2019-03-08 00:00:00+00' + i * interval '1 minute'
from fixture_params p, generate_series(67, p.loans, 67) i;

insert into qc_defects (id, loan_id, rule_id, severity, message, created_at)
select md5('defect:gone:' || i)::uuid, md5('loan:gone:' || i)::uuid, md5('rule:1')::uuid,
       'info', 'orphan', timestamptz '2019-03-08 00:00:00+00' + i * interval '1 minute'
from fixture_params p, generate_series(67, p.loans, 67) i;

insert into qc_defects (id, loan_id, rule_id, severity, message, created_at)
select md5('defect:no-rule:' || i)::uuid, md5('loan:' || i)::uuid, md5('rule:gone')::uuid,
       'info', 'rule deleted', timestamptz '2019-03-09 00:00:00+00' + i * interval '1 minute'
from fixture_params p, generate_series(73, p.loans, 73) i;

set session_replication_role = origin;

insert into import_errors (id, import_id, row_number, column_name, value, code, reason, created_at)
select md5('import_error:' || i.id || ':' || r)::uuid, i.id, r, 'loan_amount', 'abc',
       'INVALID_NUMBER', 'loan_amount is not a number', i.created_at
from imports i, generate_series(1, 3) r;

insert into import_mappings (id, import_id, source_column, field_key, position, created_at)
select md5('mapping:' || i.id || ':' || m)::uuid, i.id, 'Column ' || m,
       (array['loan_amount', 'interest_rate', 'loan_term', 'property_value', 'loan_purpose',
              'occupancy_type', 'lien_status', 'action_taken'])[m],
       m - 1, i.created_at
from imports i, generate_series(1, 8) m;

-- Audits. Loan and import rows carry tenant_id in their snapshot. Document
-- rows carry it only where a later version of the old application added
-- it. Rule changes belong to the global tenant.
insert into audits (id, actor, action, table_name, row_id, after, created_at)
select md5('audit:loan:' || l.id)::uuid, 'api', 'insert', 'loan_candidates', l.id, to_jsonb(l), l.created_at
from loan_candidates l;

insert into audits (id, actor, action, table_name, row_id, after, created_at)
select md5('audit:import:' || i.id)::uuid, 'api', 'insert', 'imports', i.id, to_jsonb(i), i.created_at
from imports i;

insert into audits (id, actor, action, table_name, row_id, before, after, created_at)
select md5('audit:doc:' || i)::uuid, 'worker', 'update', 'loan_documents', d.id,
       to_jsonb(d) || jsonb_build_object('status', 'pending'),
       case when i % 2 = 0 then to_jsonb(d) || jsonb_build_object('tenant_id', l.tenant_id)
            else to_jsonb(d) end,
       d.created_at + interval '10 minutes'
from fixture_params p, generate_series(1, p.loans) i
join loan_documents d on d.id = md5('doc:' || i || ':1')::uuid
join loan_candidates l on l.id = d.loan_id;

insert into audits (id, actor, action, table_name, row_id, after, created_at)
select md5('audit:rule:' || r.id)::uuid, 'admin', 'insert', 'qc_rules', r.id, to_jsonb(r), r.created_at
from qc_rules r;

insert into audits (id, actor, action, table_name, row_id, after, created_at)
values
    (md5('audit:bad:1')::uuid, 'script', 'update', 'loan_candidates', md5('loan:1')::uuid,
     '{"tenant_id": "n/a"}', timestamptz '2019-06-01 00:00:00+00'),
    (md5('audit:bad:2')::uuid, 'script', 'update', 'loan_candidates', md5('loan:2')::uuid,
     jsonb_build_object('tenant_id', md5('tenant:gone')::uuid), timestamptz '2019-06-01 00:00:01+00'),
    (md5('audit:bad:3')::uuid, 'cron', 'delete', 'imports', md5('import:gone:1')::uuid,
     null, timestamptz '2019-06-01 00:00:02+00');

insert into event_outbox (id, type, aggregate_type, aggregate_id, payload, status, attempts,
                          next_attempt_at, created_at, processed_at)
select md5('event:loan:' || l.id)::uuid, 'loan.created', 'loan', l.id,
       jsonb_strip_nulls(jsonb_build_object('tenantId', l.tenant_id, 'loanNumber', l.loan_number)),
       (case when l.created_at > timestamptz '2019-03-04 00:00:00+00' then 'pending' else 'done' end)::outbox_status,
       1, l.created_at, l.created_at,
       case when l.created_at <= timestamptz '2019-03-04 00:00:00+00' then l.created_at end
from loan_candidates l
order by l.created_at, l.id;

insert into event_outbox (id, type, aggregate_type, aggregate_id, payload, status, created_at)
values
    (md5('event:maintenance:1')::uuid, 'maintenance.vacuum', 'system', md5('system')::uuid,
     '{}', 'done', timestamptz '2019-07-01 00:00:00+00'),
    (md5('event:maintenance:2')::uuid, 'maintenance.vacuum', 'system', md5('system')::uuid,
     '{"note": "weekly"}', 'done', timestamptz '2019-07-08 00:00:00+00'),
    (md5('event:gone-tenant')::uuid, 'loan.created', 'loan', md5('loan:gone:1')::uuid,
     jsonb_build_object('tenantId', md5('tenant:gone')::uuid), 'dead', timestamptz '2019-07-09 00:00:00+00'),
    (md5('event:bad-tenant')::uuid, 'loan.created', 'loan', md5('loan:gone:2')::uuid,
     '{"tenantId": "lender-1"}', 'dead', timestamptz '2019-07-10 00:00:00+00');

drop table fixture_params;
