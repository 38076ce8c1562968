// Classification: decides which legacy rows cannot enter the target schema
// and why, and records one verdict per such row. Parents are judged before
// children, so a child of a quarantined parent is quarantined with it
// (parent_quarantined) instead of becoming an orphan.
//
// Every rule reads only legacy columns, joined to parents, so the same SQL
// runs on an untouched legacy database (dry run), before the backfill and
// on a later catch-up pass. Values the backfill will supply are predicted:
// extractor_version becomes the configured version, extractor_kind
// becomes 'deterministic' for extraction rows, the tenant comes from the
// parent. Rows already judged keep their verdict.
//
// Reasons: tenant_missing, tenant_unknown, duplicate_loan_number (kept:
// the oldest loan; its dependants are re-pointed, not quarantined),
// parent_missing, parent_quarantined, cross_tenant_parent, check_violation
// (detail names the CHECK constraint), duplicate_key (detail names the
// unique index; the oldest row is kept).
import { auditTenantText, knownTenantSql, outboxTenantText } from "./tables.ts";

type Rule = [failed: string, reason: string, detail: string];

/**
 * The first failing rule, in list order, as a lateral subquery with columns
 * reason and detail (both null when every rule passes). A rule whose test
 * is null passes, as a CHECK constraint does.
 */
function firstFailure(rules: Rule[]): string {
  const reasons = rules.map(([failed, reason]) => `when ${failed} then '${reason}'`);
  const details = rules.map(([failed, , detail]) => `when ${failed} then ${detail}`);
  return `lateral (
        select case ${reasons.join("\n                    ")} end as reason,
               case ${details.join("\n                    ")} end as detail
    )`;
}

function unjudged(verdicts: string, table: string, id: string): string {
  return `not exists (
        select 1 from ${verdicts} v where v.table_name = '${table}' and v.row_id = ${id})`;
}

/** Joins a row's loan (alias l) and the loan's verdict (alias vl). */
function loanJoins(verdicts: string, loanId: string): string {
  return `left join public.loan_candidates l on l.id = ${loanId}
    left join ${verdicts} vl on vl.table_name = 'loan_candidates' and vl.row_id = ${loanId}`;
}

/** Columns derived from loanJoins: the loan's tenant and the loan that survives. */
function loanColumns(loanId: string): string {
  return `l.id as loan_found, l.tenant_id,
           vl.reason as loan_verdict,
           case when vl.reason = 'duplicate_loan_number' then vl.keep_id else ${loanId} end
               as effective_loan_id`;
}

const loanRules: Rule[] = [
  [
    "c.loan_verdict is not null and c.loan_verdict <> 'duplicate_loan_number'",
    "parent_quarantined",
    "'loan_candidates ' || c.loan_id",
  ],
  ["c.loan_found is null", "parent_missing", "'loan_candidates ' || c.loan_id"],
];

function parentRules(found: string, quarantined: string, table: string, id: string): Rule[] {
  return [
    [quarantined, "parent_quarantined", `'${table} ' || ${id}`],
    [`${id} is not null and ${found} is null`, "parent_missing", `'${table} ' || ${id}`],
  ];
}

function check(name: string, failed: string): Rule {
  return [failed, "check_violation", `'${name}'`];
}

function classifyLoanCandidates(v: string): string {
  return `
insert into ${v} (table_name, row_id, reason, detail, keep_id)
select 'loan_candidates', c.id, f.reason, f.detail,
       case when f.reason = 'duplicate_loan_number' then c.first_id end
from (
    select l.id, l.tenant_id, t.id as tenant_found,
           first_value(l.id) over (
               partition by l.tenant_id, l.loan_number order by l.created_at, l.id) as first_id
    from public.loan_candidates l
    left join public.tenants t on t.id = l.tenant_id
) c
cross join ${firstFailure([
    ["c.tenant_id is null", "tenant_missing", "'tenant_id is null'"],
    ["c.tenant_found is null", "tenant_unknown", "'tenants ' || c.tenant_id"],
    ["c.first_id <> c.id", "duplicate_loan_number", "'kept loan_candidates ' || c.first_id"],
  ])} f
where f.reason is not null and ${unjudged(v, "loan_candidates", "c.id")}`;
}

function classifyImports(v: string): string {
  return `
insert into ${v} (table_name, row_id, reason, detail)
select 'imports', c.id, f.reason, f.detail
from (
    select i.id, i.tenant_id, t.id as tenant_found
    from public.imports i
    left join public.tenants t on t.id = i.tenant_id
) c
cross join ${firstFailure([
    ["c.tenant_id is null", "tenant_missing", "'tenant_id is null'"],
    ["c.tenant_found is null", "tenant_unknown", "'tenants ' || c.tenant_id"],
  ])} f
where f.reason is not null and ${unjudged(v, "imports", "c.id")}`;
}

function classifyImportChild(v: string, table: string, checks: Rule[]): string {
  return `
insert into ${v} (table_name, row_id, reason, detail)
select '${table}', c.id, f.reason, f.detail
from (
    select e.*, i.id as import_found, vi.row_id is not null as import_quarantined
    from public.${table} e
    left join public.imports i on i.id = e.import_id
    left join ${v} vi on vi.table_name = 'imports' and vi.row_id = e.import_id
    where ${unjudged(v, table, "e.id")}
) c
cross join ${firstFailure([
    ...parentRules("c.import_found", "c.import_quarantined", "imports", "c.import_id"),
    ...checks,
  ])} f
where f.reason is not null`;
}

function classifyLoanDocuments(v: string): string {
  return `
insert into ${v} (table_name, row_id, reason, detail, keep_id)
with candidates as (
    select d.id, d.loan_id, d.content_sha256, d.size_bytes, d.page_count, d.created_at,
           ${loanColumns("d.loan_id")}
    from public.loan_documents d
    ${loanJoins(v, "d.loan_id")}
    where ${unjudged(v, "loan_documents", "d.id")}
),
judged as (
    select c.*, f.reason, f.detail
    from candidates c
    left join ${firstFailure([
      ...loanRules,
      check("loan_documents_sha256_hex", "not (c.content_sha256 ~ '^[0-9a-f]{64}$')"),
      check("loan_documents_size_positive", "not (c.size_bytes > 0)"),
      check("loan_documents_page_count_positive", "not (c.page_count >= 1)"),
    ])} f on true
),
ranked as (
    select j.id, first_value(j.id) over (
               partition by j.tenant_id, j.effective_loan_id, j.content_sha256
               order by j.created_at, j.id) as first_id
    from judged j
    where j.reason is null
)
select 'loan_documents', id, reason, detail, null from judged where reason is not null
union all
select 'loan_documents', id, 'duplicate_key',
       'loan_documents_loan_content_key: duplicate of ' || first_id, first_id
from ranked where first_id <> id`;
}

function classifyLoanDatapoints(v: string): string {
  return `
insert into ${v} (table_name, row_id, reason, detail, keep_id)
with candidates as (
    select d.id, d.loan_id, d.key, d.source, d.confidence, d.evidence_doc_id, d.evidence_page,
           d.evidence_text_hash, d.extractor_version, d.import_id, d.import_row_number,
           d.created_by, d.created_at,
           ${loanColumns("d.loan_id")},
           doc.id as doc_found, doc_loan.tenant_id as doc_tenant,
           vdoc.row_id is not null as doc_quarantined,
           imp.id as import_found, imp.tenant_id as import_tenant,
           vimp.row_id is not null as import_quarantined
    from public.loan_datapoints d
    ${loanJoins(v, "d.loan_id")}
    left join public.loan_documents doc on doc.id = d.evidence_doc_id
    left join public.loan_candidates doc_loan on doc_loan.id = doc.loan_id
    left join ${v} vdoc on vdoc.table_name = 'loan_documents' and vdoc.row_id = d.evidence_doc_id
    left join public.imports imp on imp.id = d.import_id
    left join ${v} vimp on vimp.table_name = 'imports' and vimp.row_id = d.import_id
    where ${unjudged(v, "loan_datapoints", "d.id")}
),
judged as (
    select c.*, f.reason, f.detail
    from candidates c
    left join ${firstFailure([
      ...loanRules,
      ...parentRules("c.doc_found", "c.doc_quarantined", "loan_documents", "c.evidence_doc_id"),
      ...parentRules("c.import_found", "c.import_quarantined", "imports", "c.import_id"),
      [
        "c.doc_found is not null and c.doc_tenant is distinct from c.tenant_id",
        "cross_tenant_parent",
        "'loan_documents ' || c.evidence_doc_id",
      ],
      [
        "c.import_found is not null and c.import_tenant is distinct from c.tenant_id",
        "cross_tenant_parent",
        "'imports ' || c.import_id",
      ],
      check("loan_datapoints_confidence_range", "not (c.confidence between 0 and 1)"),
      check("loan_datapoints_evidence_page_positive", "not (c.evidence_page >= 1)"),
      check("loan_datapoints_evidence_hash_hex", "not (c.evidence_text_hash ~ '^[0-9a-f]{64}$')"),
      check(
        "loan_datapoints_extraction_lineage",
        `c.source = 'extraction' and (c.confidence is null or c.evidence_doc_id is null
              or c.evidence_page is null or c.evidence_text_hash is null)`,
      ),
      check(
        "loan_datapoints_tape_lineage",
        "c.source = 'tape' and (c.import_id is null or c.import_row_number is null)",
      ),
      check("loan_datapoints_manual_lineage", "c.source = 'manual' and c.created_by is null"),
      check("loan_datapoints_import_row_positive", "not (c.import_row_number >= 1)"),
    ])} f on true
),
ranked as (
    select j.id, j.source, j.import_id, j.import_row_number,
           first_value(j.id) over (
               partition by j.source = 'extraction', j.tenant_id, j.evidence_doc_id, j.key,
                            coalesce(j.extractor_version,
                                     current_setting('tapeline_upgrade.extractor_version'))
               order by j.created_at, j.id) as first_extraction_id,
           first_value(j.id) over (
               partition by j.tenant_id, j.import_id, j.import_row_number, j.key
               order by j.created_at, j.id) as first_import_row_id
    from judged j
    where j.reason is null
)
select 'loan_datapoints', id, reason, detail, null from judged where reason is not null
union all
select 'loan_datapoints', id, 'duplicate_key',
       case when source = 'extraction' and first_extraction_id <> id
            then 'loan_datapoints_extraction_key: duplicate of ' || first_extraction_id
            else 'loan_datapoints_import_row_key: duplicate of ' || first_import_row_id end,
       case when source = 'extraction' and first_extraction_id <> id
            then first_extraction_id else first_import_row_id end
from ranked
where (source = 'extraction' and first_extraction_id <> id)
   or (import_id is not null and import_row_number is not null and first_import_row_id <> id)`;
}

function datapointJoins(v: string, side: "left" | "right"): string {
  return `left join public.loan_datapoints ${side}_dp on ${side}_dp.id = c.${side}_datapoint_id
    left join public.loan_candidates ${side}_loan on ${side}_loan.id = ${side}_dp.loan_id
    left join ${v} v_${side} on v_${side}.table_name = 'loan_datapoints'
        and v_${side}.row_id = c.${side}_datapoint_id`;
}

function datapointRules(side: "left" | "right"): Rule[] {
  const id = `c.${side}_datapoint_id`;
  return [
    ...parentRules(`c.${side}_found`, `c.${side}_quarantined`, "loan_datapoints", id),
    [
      `c.${side}_found is not null and c.${side}_tenant is distinct from c.tenant_id`,
      "cross_tenant_parent",
      `'loan_datapoints ' || ${id}`,
    ],
  ];
}

function classifyLoanConflicts(v: string): string {
  return `
insert into ${v} (table_name, row_id, reason, detail, keep_id)
with candidates as (
    select c.id, c.loan_id, c.key, c.kind, c.status, c.created_at,
           c.left_datapoint_id, c.right_datapoint_id,
           ${loanColumns("c.loan_id")},
           left_dp.id as left_found, left_loan.tenant_id as left_tenant,
           v_left.row_id is not null as left_quarantined,
           right_dp.id as right_found, right_loan.tenant_id as right_tenant,
           v_right.row_id is not null as right_quarantined
    from public.loan_conflicts c
    ${loanJoins(v, "c.loan_id")}
    ${datapointJoins(v, "left")}
    ${datapointJoins(v, "right")}
    where ${unjudged(v, "loan_conflicts", "c.id")}
),
judged as (
    select c.*, f.reason, f.detail
    from candidates c
    left join ${firstFailure([...loanRules, ...datapointRules("left"), ...datapointRules("right")])} f
        on true
),
ranked as (
    select j.id, first_value(j.id) over (
               partition by j.tenant_id, j.effective_loan_id, j.key, j.kind
               order by j.created_at, j.id) as first_id
    from judged j
    where j.reason is null and j.status = 'open'
)
select 'loan_conflicts', id, reason, detail, null from judged where reason is not null
union all
select 'loan_conflicts', id, 'duplicate_key',
       'loan_conflicts_open_key: duplicate of ' || first_id, first_id
from ranked where first_id <> id`;
}

function classifyQcDefects(v: string): string {
  return `
insert into ${v} (table_name, row_id, reason, detail, keep_id)
with candidates as (
    select d.id, d.loan_id, d.rule_id, d.status, d.created_at,
           ${loanColumns("d.loan_id")},
           r.id as rule_found
    from public.qc_defects d
    ${loanJoins(v, "d.loan_id")}
    left join public.qc_rules r on r.id = d.rule_id
    where ${unjudged(v, "qc_defects", "d.id")}
),
judged as (
    select c.*, f.reason, f.detail
    from candidates c
    left join ${firstFailure([
      ...loanRules,
      ["c.rule_found is null", "parent_missing", "'qc_rules ' || c.rule_id"],
    ])} f on true
),
ranked as (
    select j.id, first_value(j.id) over (
               partition by j.tenant_id, j.effective_loan_id, j.rule_id
               order by j.created_at, j.id) as first_id
    from judged j
    where j.reason is null and j.status = 'open'
)
select 'qc_defects', id, reason, detail, null from judged where reason is not null
union all
select 'qc_defects', id, 'duplicate_key', 'qc_defects_open_key: duplicate of ' || first_id, first_id
from ranked where first_id <> id`;
}

function classifyByJsonTenant(v: string, table: string, tenantText: string): string {
  return `
insert into ${v} (table_name, row_id, reason, detail)
select '${table}', c.id, f.reason, f.detail
from (
    select a.id, ${tenantText} as tenant_text
    from public.${table} a
    where ${unjudged(v, table, "a.id")}
) c
cross join ${firstFailure([
    ["c.tenant_text is null", "tenant_missing", "'no tenant id in the JSON'"],
    [
      `${knownTenantSql("c.tenant_text")} is null`,
      "tenant_unknown",
      "'the JSON tenant id is not a uuid of an existing tenant'",
    ],
  ])} f
where f.reason is not null`;
}

/**
 * The classification statements in order, writing verdicts into the
 * relation `verdicts` (tapeline_upgrade.verdicts, or a temporary table in a
 * dry run). Reads the setting tapeline_upgrade.extractor_version.
 */
export function classificationStatements(verdicts: string): { table: string; sql: string }[] {
  return [
    { table: "loan_candidates", sql: classifyLoanCandidates(verdicts) },
    { table: "imports", sql: classifyImports(verdicts) },
    {
      table: "import_errors",
      sql: classifyImportChild(verdicts, "import_errors", [
        check("import_errors_row_number_positive", "not (c.row_number >= 1)"),
      ]),
    },
    {
      table: "import_mappings",
      sql: classifyImportChild(verdicts, "import_mappings", [
        check("import_mappings_position_nonnegative", "not (c.position >= 0)"),
      ]),
    },
    { table: "loan_documents", sql: classifyLoanDocuments(verdicts) },
    { table: "loan_datapoints", sql: classifyLoanDatapoints(verdicts) },
    { table: "loan_conflicts", sql: classifyLoanConflicts(verdicts) },
    { table: "qc_defects", sql: classifyQcDefects(verdicts) },
    { table: "audits", sql: classifyByJsonTenant(verdicts, "audits", auditTenantText("a")) },
    {
      table: "event_outbox",
      sql: classifyByJsonTenant(verdicts, "event_outbox", outboxTenantText("a")),
    },
  ];
}
