// Database figures: rls-policy, rls-scan, tenant-pk, tenant-page and orm.
// Load comes from closed loops inside this process at the mode's fixed
// concurrency; both sides of a figure use pools of the same size.
import { drizzle } from "drizzle-orm/postgres-js";
import { sql as drizzleSql } from "drizzle-orm";
import postgres from "postgres";
import { getLoan, getLoanQueries } from "@tapeline/core/loans";
import {
  and,
  asc,
  eq,
  gt,
  loanCandidates,
  loanDatapoints,
  type TenantTransaction,
} from "@tapeline/db";
import { judge, pick, type BenchContext, type FigureResult, type Goal } from "../context.ts";
import { compare, throughput, type Side } from "../measure.ts";
import {
  PAGE_SIZE,
  SCAN_UNFILTERED,
  loanPage,
  loanPageQuery,
  scanWithLiteralTenant,
} from "./queries.ts";

function loadSide(
  ctx: BenchContext,
  label: string,
  operation: (iteration: number) => Promise<unknown>,
  concurrency = ctx.mode.concurrency,
): Side {
  let counter = 0;
  return {
    label,
    run: () =>
      throughput(() => operation(counter++), {
        concurrency,
        durationMs: ctx.mode.durationMs,
      }),
  };
}

async function compareSides(
  ctx: BenchContext,
  spec: { id: string; ours: Side; baseline: Side; goal: Goal; concurrency?: number },
): Promise<FigureResult> {
  ctx.log(`${spec.id}: ${spec.ours.label} against ${spec.baseline.label}`);
  const comparison = await compare({
    ours: spec.ours,
    baseline: spec.baseline,
    rounds: ctx.mode.rounds,
  });
  return {
    id: spec.id,
    ours: spec.ours.label,
    baseline: spec.baseline.label,
    unit: "ops/s",
    goal: spec.goal,
    status: judge(spec.goal, comparison),
    comparison,
    facts: { concurrency: spec.concurrency ?? ctx.mode.concurrency },
  };
}

/** SQL text and parameters of a Drizzle query, built inside a tenant transaction. */
async function sqlOf(
  ctx: BenchContext,
  build: (tx: TenantTransaction) => { toSQL(): { sql: string; params: unknown[] } },
): Promise<{ sql: string; params: unknown[] }> {
  // Not awaited: a Drizzle query builder is thenable and would run.
  return ctx.app.tenant(ctx.data.largeTenantId, async (tx) => build(tx).toSQL());
}

export async function rlsPolicy(ctx: BenchContext): Promise<FigureResult> {
  const tenant = ctx.data.largeTenantId;
  const { loanIds } = ctx.samples;
  await recordGetLoanPlans(ctx);
  return compareSides(ctx, {
    id: "rls-policy",
    ours: loadSide(ctx, "getLoan in db.tenant() as tapeline_app under the policies", (i) =>
      ctx.app.tenant(tenant, (tx) => getLoan(tx, pick(loanIds, i))),
    ),
    baseline: loadSide(ctx, "the same getLoan in db.tenant() as a BYPASSRLS role", (i) =>
      ctx.bypass.tenant(tenant, (tx) => getLoan(tx, pick(loanIds, i))),
    ),
    goal: { kind: "at-least", value: 0.95, text: ">= 0.95" },
  });
}

async function recordGetLoanPlans(ctx: BenchContext): Promise<void> {
  const tenant = ctx.data.largeTenantId;
  const loanId = pick(ctx.samples.loanIds, 0);
  const params = [tenant, loanId];
  await ctx.plans.record(ctx.app, tenant, {
    figure: "rls-policy",
    query: "loan by id",
    sql: getLoanQueries.loan.sql,
    params,
  });
  await ctx.plans.record(ctx.app, tenant, {
    figure: "rls-policy",
    query: "datapoints of a loan",
    sql: getLoanQueries.datapoints.sql,
    params,
  });
}

export async function rlsScan(ctx: BenchContext): Promise<FigureResult> {
  const tenant = ctx.data.largeTenantId;
  const literal = scanWithLiteralTenant(tenant);
  await ctx.plans.record(ctx.app, tenant, {
    figure: "rls-scan",
    query: "aggregate over the large tenant, no explicit filter",
    sql: SCAN_UNFILTERED,
    params: [],
  });
  await ctx.plans.record(ctx.bypass, tenant, {
    figure: "rls-scan",
    query: "baseline: literal tenant filter, RLS bypassed",
    sql: literal,
    params: [],
    baseline: true,
  });
  const concurrency = ctx.mode.scanConcurrency;
  return compareSides(ctx, {
    id: "rls-scan",
    concurrency,
    ours: loadSide(
      ctx,
      "per-key aggregate of the large tenant's datapoints, filtered by the policy only",
      () => ctx.app.tenant(tenant, (tx) => tx.execute(drizzleSql.raw(SCAN_UNFILTERED))),
      concurrency,
    ),
    baseline: loadSide(
      ctx,
      "the same aggregate with a literal tenant_id filter as a BYPASSRLS role",
      () => ctx.bypass.tenant(tenant, (tx) => tx.execute(drizzleSql.raw(literal))),
      concurrency,
    ),
    goal: { kind: "at-least", value: 0.9, text: ">= 0.90" },
  });
}

/** Throws unless a prepared query renders the SQL its raw baseline sends. */
function assertSameSql(figure: string, prepared: string, baseline: string): void {
  if (prepared !== baseline) {
    throw new Error(`${figure}: the prepared query's SQL differs from the baseline's:\n${prepared}\n${baseline}`);
  }
}

export async function tenantPk(ctx: BenchContext): Promise<FigureResult> {
  const tenant = ctx.data.largeTenantId;
  const { loanIds } = ctx.samples;
  const loanById = getLoanQueries.loan;
  const text = loanById.sql;
  return compareSides(ctx, {
    id: "tenant-pk",
    ours: loadSide(ctx, "db.tenant() with getLoan's prepared primary-key lookup", (i) =>
      ctx.app.tenant(tenant, (tx) => loanById.execute(tx, { loanId: pick(loanIds, i) })),
    ),
    baseline: loadSide(ctx, "raw postgres.js, same SQL, no transaction, no RLS", (i) =>
      ctx.raw.unsafe(text, [tenant, pick(loanIds, i)], { prepare: true }),
    ),
    goal: { kind: "at-least", value: 0.5, text: ">= 0.50" },
  });
}

export async function tenantPage(ctx: BenchContext): Promise<FigureResult> {
  const tenant = ctx.data.largeTenantId;
  const { loanNumbers } = ctx.samples;
  const page = await sqlOf(ctx, (tx) => loanPageQuery(tx, tenant, pick(loanNumbers, 0)));
  await ctx.plans.record(ctx.app, tenant, {
    figure: "tenant-page",
    query: `${PAGE_SIZE}-loan page with the tape loan amount joined`,
    ...page,
  });
  assertSameSql("tenant-page", loanPage.sql, page.sql);
  return compareSides(ctx, {
    id: "tenant-page",
    ours: loadSide(ctx, `db.tenant() with a ${PAGE_SIZE}-row prepared Drizzle page and join`, (i) =>
      ctx.app.tenant(tenant, (tx) => loanPage.execute(tx, { after: pick(loanNumbers, i) })),
    ),
    baseline: loadSide(ctx, "raw postgres.js, same SQL, no transaction, no RLS", (i) =>
      ctx.raw.unsafe(
        page.sql,
        [...page.params.slice(0, -2), pick(loanNumbers, i), PAGE_SIZE] as never[],
        { prepare: true },
      ),
    ),
    goal: { kind: "at-least", value: 0.75, text: ">= 0.75" },
  });
}

/**
 * Drizzle's prepared page query against the same SQL as a raw tagged
 * query, both outside transactions on pools of their own.
 */
export async function orm(ctx: BenchContext): Promise<FigureResult> {
  const tenant = ctx.data.largeTenantId;
  const { loanNumbers } = ctx.samples;
  const size = ctx.mode.concurrency;
  const ormClient = postgres(ctx.cluster.bypassUrl, { max: size, onnotice: () => {} });
  const rawClient = postgres(ctx.cluster.bypassUrl, { max: size, onnotice: () => {} });
  try {
    const db = drizzle(ormClient);
    const prepared = db
      .select({
        id: loanCandidates.id,
        loanNumber: loanCandidates.loanNumber,
        createdAt: loanCandidates.createdAt,
        loanAmount: loanDatapoints.value,
      })
      .from(loanCandidates)
      .leftJoin(
        loanDatapoints,
        and(
          eq(loanDatapoints.tenantId, loanCandidates.tenantId),
          eq(loanDatapoints.loanId, loanCandidates.id),
          eq(loanDatapoints.key, "loan_amount"),
          eq(loanDatapoints.source, "tape"),
        ),
      )
      .where(
        and(
          eq(loanCandidates.tenantId, drizzleSql.placeholder("tenant")),
          gt(loanCandidates.loanNumber, drizzleSql.placeholder("after")),
        ),
      )
      .orderBy(asc(loanCandidates.loanNumber))
      .limit(PAGE_SIZE)
      .prepare("bench_orm_page");
    const text = prepared.getQuery().sql;
    return await compareSides(ctx, {
      id: "orm",
      ours: loadSide(ctx, `Drizzle prepared ${PAGE_SIZE}-row page query`, (i) =>
        prepared.execute({ tenant, after: pick(loanNumbers, i) }),
      ),
      baseline: loadSide(ctx, "raw postgres.js query, same SQL", (i) =>
        rawClient.unsafe(text, ["loan_amount", "tape", tenant, pick(loanNumbers, i), PAGE_SIZE], {
          prepare: true,
        }),
      ),
      goal: { kind: "at-least", value: 0.95, text: ">= 0.95" },
    });
  } finally {
    await Promise.all([ormClient.end(), rawClient.end()]);
  }
}
