// Builds a realistic benchmark database with set-based SQL as the admin
// role. The generator is not what is measured, so it writes with
// session_replication_role = replica: triggers (audits) and foreign-key
// checks are skipped, and the rows are consistent by construction.
//
// Shape: one large tenant holds about a tenth of the loans and the rest
// fall off as 1/sqrt(rank). Per loan: seven tape datapoints with tape
// lineage, 0 to 3 documents (1.2 on average), three extracted datapoints
// per document with evidence lineage, a tape/document conflict where an
// extracted value disagrees (about 5% of extracted values), and a QC
// defect on about 8% of loans.
import postgres from "postgres";

export interface GenerateOptions {
  tenants: number;
  loans: number;
}

export interface GeneratedData {
  /** The tenant holding about a tenth of the rows. */
  largeTenantId: string;
  /** A tenant of median size. */
  typicalTenantId: string;
  /** Loans of the large tenant. */
  largeTenantLoans: number;
  tenantIds: string[];
  counts: Record<string, number>;
  seconds: number;
}

const TAPE_FIELDS = [
  // key, low, high, decimal places
  ["loan_amount", 50_000, 1_500_000, 0],
  ["interest_rate", 2.5, 9, 3],
  ["loan_term_months", 120, 360, 0],
  ["property_value", 80_000, 2_500_000, 0],
  ["combined_loan_to_value", 40, 105, 2],
  ["debt_to_income", 10, 55, 1],
  ["income", 30, 900, 0],
] as const;

const EXTRACTED_KEYS = ["loan_amount", "interest_rate", "loan_term_months"];

const QC_RULES = [
  ["LTV-MAX", "Combined LTV above 97%", "critical"],
  ["DTI-MAX", "Debt-to-income above 50%", "warning"],
  ["TERM-STD", "Loan term not 180, 240 or 360 months", "info"],
  ["RATE-RANGE", "Interest rate outside 2% to 12%", "warning"],
  ["AMOUNT-VALUE", "Loan amount above property value", "critical"],
  ["INCOME-MIN", "Income below 20 thousand dollars", "info"],
] as const;

/** Loans per tenant: the first gets a tenth, the rest 1/sqrt(rank) of the remainder. */
export function tenantLoanCounts(tenants: number, loans: number): number[] {
  const large = Math.round(loans / 10);
  const weights = Array.from({ length: tenants - 1 }, (_, index) => 1 / Math.sqrt(index + 1));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const counts = weights.map((weight) => Math.max(1, Math.floor(((loans - large) * weight) / total)));
  const assigned = large + counts.reduce((sum, count) => sum + count, 0);
  counts[counts.length - 1] = (counts.at(-1) ?? 0) + (loans - assigned);
  return [large, ...counts];
}

async function insertTenants(sql: postgres.Sql, tenants: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
      insert into tenants (slug, name)
      select 'bench-' || lpad(g::text, 3, '0'), 'Benchmark lender ' || g
      from generate_series(0, ${tenants - 1}) g
      order by g
      returning id`;
  return rows.map((row) => row.id);
}

async function insertLoansAndImports(sql: postgres.Sql, ids: string[], counts: number[]) {
  await sql`
      insert into imports (tenant_id, format, file_name, file_sha256, file_size_bytes,
                           storage_key, status, row_count, created_by, completed_at)
      select t.id, 'hmda', 'lar-2024.txt', md5(t.id::text) || md5(t.id::text || 'x'),
             t.n * 900, 'tapes/' || t.id, 'completed', t.n, 'generator', now()
      from unnest(${ids}::uuid[], ${counts}::int[]) as t(id, n)`;
  await sql`
      insert into loan_candidates (tenant_id, loan_number, created_at, updated_at)
      select t.id, 'LN' || lpad(g::text, 9, '0'), c.at, c.at
      from unnest(${ids}::uuid[], ${counts}::int[]) as t(id, n)
      cross join lateral generate_series(1, t.n) g
      cross join lateral (select now() - (g % 997) * interval '8 hours' as at) c`;
}

async function insertDocuments(sql: postgres.Sql) {
  // 0, 1, 2 or 3 documents per loan in the proportions 2:5:2:1.
  await sql`
      insert into loan_documents (tenant_id, loan_id, file_name, content_sha256, size_bytes,
                                  page_count, document_type, storage_key, status,
                                  created_by, created_at, extracted_at)
      select l.tenant_id, l.id,
             case when d = 1 then 'loan-estimate.pdf' else 'closing-disclosure-' || d || '.pdf' end,
             md5(l.id::text || d) || md5(d || l.id::text),
             40000 + abs(hashtext(l.id::text || d)) % 400000,
             3 + d % 3,
             case when d = 1 then 'loan_estimate' else 'closing_disclosure' end,
             'documents/' || l.tenant_id || '/' || l.id || '-' || d,
             'extracted', 'generator', l.created_at, l.created_at
      from loan_candidates l
      cross join lateral generate_series(1,
          (array[0, 0, 1, 1, 1, 1, 1, 2, 2, 3])[1 + abs(hashtext(l.id::text)) % 10]) d`;
}

async function insertTapeDatapoints(sql: postgres.Sql) {
  const keys = TAPE_FIELDS.map(([key]) => key);
  const lows = TAPE_FIELDS.map(([, low]) => low);
  const highs = TAPE_FIELDS.map(([, , high]) => high);
  const scales = TAPE_FIELDS.map(([, , , scale]) => scale);
  await sql`
      insert into loan_datapoints (tenant_id, loan_id, key, source, value, value_number,
                                   import_id, import_row_number, created_at)
      select l.tenant_id, l.id, k.key, 'tape', v.number::text, v.number,
             i.id, l.row_number + 1, l.created_at
      from (select tenant_id, id, created_at,
                   row_number() over (partition by tenant_id order by loan_number) as row_number
            from loan_candidates) l
      join imports i on i.tenant_id = l.tenant_id
      cross join unnest(${keys}::text[], ${lows}::numeric[], ${highs}::numeric[],
                        ${scales}::int[]) as k(key, low, high, scale)
      cross join lateral (
          select round(k.low + (k.high - k.low)
                       * (abs(hashtext(l.id::text || k.key)) % 10000) / 10000.0,
                       k.scale) as number) v`;
}

async function insertExtractedDatapoints(sql: postgres.Sql) {
  // One value in twenty disagrees with the tape by 1%, so conflicts arise.
  await sql`
      insert into loan_datapoints (tenant_id, loan_id, key, source, value, value_number,
                                   confidence, evidence_doc_id, evidence_page,
                                   evidence_text_hash, extractor_kind, extractor_version,
                                   created_at)
      select d.tenant_id, d.loan_id, t.key, 'extraction', v.number::text, v.number,
             0.8 + (abs(hashtext(d.id::text || t.key)) % 2000) / 10000.0,
             d.id, 1 + abs(hashtext(t.key)) % 2,
             md5(d.id::text || t.key) || md5(t.key || d.id::text),
             'deterministic', 'rules-2026.12.0', d.extracted_at
      from loan_documents d
      join loan_datapoints t
          on t.tenant_id = d.tenant_id and t.loan_id = d.loan_id
          and t.source = 'tape' and t.key = any(${EXTRACTED_KEYS}::text[])
      cross join lateral (
          select case when abs(hashtext(d.id::text || t.key || 'm')) % 20 = 0
                      then round(t.value_number * 1.01, 3)
                      else t.value_number end as number) v`;
}

async function insertConflicts(sql: postgres.Sql) {
  await sql`
      insert into loan_conflicts (tenant_id, loan_id, key, kind, left_datapoint_id,
                                  right_datapoint_id, left_value, right_value, status,
                                  resolution_reason, resolved_by, resolved_at, created_at)
      select distinct on (e.tenant_id, e.loan_id, e.key)
             e.tenant_id, e.loan_id, e.key, 'tape_document', t.id, e.id, t.value, e.value,
             s.status, s.reason, s.resolved_by, s.resolved_at, e.created_at
      from loan_datapoints e
      join loan_datapoints t
          on t.tenant_id = e.tenant_id and t.loan_id = e.loan_id and t.key = e.key
          and t.source = 'tape'
      cross join lateral (
          select case when abs(hashtext(e.id::text)) % 3 = 0 then 'resolved' else 'open' end
                     ::conflict_status as status) c
      cross join lateral (
          select c.status,
                 case when c.status = 'resolved' then 'Closing Disclosure is final' end as reason,
                 case when c.status = 'resolved' then 'reviewer@example.com' end as resolved_by,
                 case when c.status = 'resolved' then e.created_at + interval '2 days' end
                     as resolved_at) s
      where e.source = 'extraction' and e.value <> t.value
      order by e.tenant_id, e.loan_id, e.key, e.created_at`;
}

async function insertRulesAndDefects(sql: postgres.Sql) {
  const codes = QC_RULES.map(([code]) => code);
  const names = QC_RULES.map(([, name]) => name);
  const severities = QC_RULES.map(([, , severity]) => severity);
  await sql`
      insert into qc_rules (tenant_id, code, name, definition, severity, message)
      select app.global_tenant_id(), r.code, r.name, '{"kind":"threshold"}'::jsonb,
             r.severity::rule_severity, r.name
      from unnest(${codes}::text[], ${names}::text[], ${severities}::text[])
          as r(code, name, severity)`;
  await sql`
      insert into qc_defects (tenant_id, loan_id, rule_tenant_id, rule_id, status, severity,
                              message, details, created_at, closed_at)
      select l.tenant_id, l.id, r.tenant_id, r.id, s.status, r.severity, r.message,
             jsonb_build_object('loanNumber', l.loan_number), l.created_at,
             case when s.status = 'closed' then l.created_at + interval '5 days' end
      from loan_candidates l
      join lateral (
          select * from qc_rules
          where tenant_id = app.global_tenant_id()
          order by code
          offset abs(hashtext(l.id::text || 'rule')) % ${QC_RULES.length} limit 1) r on true
      cross join lateral (
          select case when abs(hashtext(l.id::text || 's')) % 4 = 0 then 'closed' else 'open' end
                     ::defect_status as status) s
      where abs(hashtext(l.id::text || 'qc')) % 12 = 0`;
}

async function countRows(sql: postgres.Sql): Promise<Record<string, number>> {
  const tables = [
    "tenants", "imports", "loan_candidates", "loan_documents", "loan_datapoints",
    "loan_conflicts", "qc_rules", "qc_defects",
  ];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await sql<{ count: number }[]>`select count(*)::int as count from ${sql(table)}`;
    counts[table] = row?.count ?? 0;
  }
  return counts;
}

/** Fills the (empty, migrated) database at adminUrl; returns tenant ids and row counts. */
export async function generateDatabase(
  adminUrl: string,
  options: GenerateOptions,
): Promise<GeneratedData> {
  const started = performance.now();
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`set session_replication_role = replica`;
    const counts = tenantLoanCounts(options.tenants, options.loans);
    const ids = await insertTenants(sql, options.tenants);
    await insertLoansAndImports(sql, ids, counts);
    await insertDocuments(sql);
    await insertTapeDatapoints(sql);
    await insertExtractedDatapoints(sql);
    await insertConflicts(sql);
    await insertRulesAndDefects(sql);
    await sql`reset session_replication_role`;
    await sql.unsafe("vacuum (analyze)");

    const bySize = ids.map((id, index) => ({ id, count: counts[index] ?? 0 }));
    bySize.sort((a, b) => a.count - b.count);
    return {
      largeTenantId: ids[0] as string,
      typicalTenantId: bySize[Math.floor(bySize.length / 2)]?.id as string,
      largeTenantLoans: counts[0] ?? 0,
      tenantIds: ids,
      counts: await countRows(sql),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await sql.end();
  }
}
