// child-policy: reads of child tables under our policy (tenant_id, copied
// onto every child row, compared with the tenant setting) against the same
// reads under a policy that derives the tenant through the parent loan.
// The baseline tables are scratch copies without tenant_id, with the same
// rows and the same indexes minus the tenant_id prefix. Their policy is the
// correlated EXISTS form, which probes the parent's primary key per row:
// the strongest version of that design.
import postgres from "postgres";
import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { sql } from "@tapeline/db";
import { judge, pick, type BenchContext, type FigureResult } from "../context.ts";
import { compare, throughput, type Side } from "../measure.ts";

const SCRATCH_DDL = `
    create table scratch_loan_documents as
        select id, loan_id, file_name, content_sha256, size_bytes, page_count,
               document_type, storage_key, status, created_by, created_at, extracted_at
        from loan_documents;
    alter table scratch_loan_documents add primary key (id);
    create unique index on scratch_loan_documents (loan_id, content_sha256);

    create table scratch_loan_datapoints as
        select id, loan_id, key, source, value, value_number, confidence, evidence_doc_id,
               evidence_page, evidence_text_hash, extractor_kind, extractor_version,
               prompt_version, import_id, import_row_number, created_by, created_at
        from loan_datapoints;
    alter table scratch_loan_datapoints add primary key (id);
    create index on scratch_loan_datapoints (loan_id, key);
    create index on scratch_loan_datapoints (confidence);
    create index on scratch_loan_datapoints (evidence_doc_id, evidence_page);

    create table scratch_loan_conflicts as
        select id, loan_id, key, kind, left_datapoint_id, right_datapoint_id, left_value,
               right_value, status, resolution_reason, resolved_by, resolved_at, created_at
        from loan_conflicts;
    alter table scratch_loan_conflicts add primary key (id);
    create index on scratch_loan_conflicts (loan_id, status);
`;

const SCRATCH_TABLES = [
  "scratch_loan_documents",
  "scratch_loan_datapoints",
  "scratch_loan_conflicts",
];

async function createScratchCopies(adminUrl: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(SCRATCH_DDL);
    for (const table of SCRATCH_TABLES) {
      await admin.unsafe(`
          alter table ${table} enable row level security;
          alter table ${table} force row level security;
          create policy ${table}_select_via_parent on ${table}
              for select to tapeline_app
              using (exists (
                  select 1 from loan_candidates l
                  where l.id = ${table}.loan_id
                    and l.tenant_id = app.current_tenant_id()));
          grant select on ${table} to tapeline_app;
          analyze ${table};`);
    }
  } finally {
    await admin.end();
  }
}

async function dropScratchCopies(adminUrl: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop table if exists ${SCRATCH_TABLES.join(", ")}`).finally(() => admin.end());
}

interface ChildRead {
  name: string;
  ours: (tenantId: string, index: number) => SQL;
  scratch: (index: number) => SQL;
}

function childReads(ctx: BenchContext): ChildRead[] {
  const { loanIds } = ctx.samples;
  return [
    {
      name: "datapoints of a loan",
      ours: (t, i) => sql`select id, key, value from loan_datapoints
          where tenant_id = ${t} and loan_id = ${pick(loanIds, i)} order by key`,
      scratch: (i) => sql`select id, key, value from scratch_loan_datapoints
          where loan_id = ${pick(loanIds, i)} order by key`,
    },
    {
      name: "documents of a loan",
      ours: (t, i) => sql`select id, file_name, status from loan_documents
          where tenant_id = ${t} and loan_id = ${pick(loanIds, i)}`,
      scratch: (i) => sql`select id, file_name, status from scratch_loan_documents
          where loan_id = ${pick(loanIds, i)}`,
    },
    {
      name: "open conflicts of a loan",
      ours: (t, i) => sql`select id, key, left_value, right_value from loan_conflicts
          where tenant_id = ${t} and loan_id = ${pick(loanIds, i)} and status = 'open'`,
      scratch: (i) => sql`select id, key, left_value, right_value from scratch_loan_conflicts
          where loan_id = ${pick(loanIds, i)} and status = 'open'`,
    },
    {
      name: "review queue: 50 least confident extracted values",
      ours: (t) => sql`select id, loan_id, key, value, confidence from loan_datapoints
          where tenant_id = ${t} and confidence < 0.85 order by confidence limit 50`,
      scratch: () => sql`select id, loan_id, key, value, confidence from scratch_loan_datapoints
          where confidence < 0.85 order by confidence limit 50`,
    },
    {
      name: "count of the tenant's open conflicts",
      ours: (t) => sql`select count(*)::int as open from loan_conflicts
          where tenant_id = ${t} and status = 'open'`,
      scratch: () => sql`select count(*)::int as open from scratch_loan_conflicts
          where status = 'open'`,
    },
  ];
}

const dialect = new PgDialect();

async function measureRead(ctx: BenchContext, read: ChildRead): Promise<FigureResult> {
  const tenant = ctx.data.largeTenantId;
  const id = `child-policy/${read.name}`;
  const ours = dialect.sqlToQuery(read.ours(tenant, 0));
  const scratch = dialect.sqlToQuery(read.scratch(0));
  await ctx.plans.record(ctx.app, tenant, { figure: "child-policy", query: read.name, ...ours });
  await ctx.plans.record(ctx.app, tenant, {
    figure: "child-policy",
    query: `baseline (policy through the parent): ${read.name}`,
    ...scratch,
    baseline: true,
  });

  const side = (label: string, fragment: (i: number) => SQL): Side => {
    let counter = 0;
    return {
      label,
      run: () =>
        throughput(
          () => {
            const i = counter++;
            return ctx.app.tenant(tenant, (tx) => tx.execute(fragment(i)));
          },
          { concurrency: ctx.mode.concurrency, durationMs: ctx.mode.durationMs },
        ),
    };
  };
  ctx.log(`${id}`);
  const comparison = await compare({
    ours: side(`${read.name}: tenant_id policy`, (i) => read.ours(tenant, i)),
    baseline: side(`${read.name}: policy through the parent loan`, (i) => read.scratch(i)),
    rounds: ctx.mode.rounds,
  });
  const goal = { kind: "at-least", value: 1, text: ">= 1.00 (report the speed-up)" } as const;
  return {
    id,
    ours: `${read.name}, under the tenant_id policy`,
    baseline: `${read.name}, under an EXISTS policy on the parent loan (scratch copy)`,
    unit: "ops/s",
    goal,
    status: judge(goal, comparison),
    comparison,
    facts: { concurrency: ctx.mode.concurrency },
  };
}

export async function childPolicy(ctx: BenchContext): Promise<FigureResult[]> {
  await createScratchCopies(ctx.cluster.adminUrl);
  try {
    const results: FigureResult[] = [];
    for (const read of childReads(ctx)) results.push(await measureRead(ctx, read));
    return results;
  } finally {
    await dropScratchCopies(ctx.cluster.adminUrl);
  }
}
