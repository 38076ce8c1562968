// The upgrade's steps, in order. Additive steps run while the old
// application is live: they add, backfill, quarantine, index and
// constrain without changing how its plain inserts and selects behave.
// Switch steps run during the deploy of the new application, with the old
// one stopped: they swap keys, enable row-level security and record the
// migrations. Every step is idempotent. `repeat` steps run again on every
// invocation until the additive phase is complete, so that they catch the
// rows the old application wrote since their last run.
import { backfillTable, BACKFILLS } from "./backfill.ts";
import { readColumns, readConstraints, readIndex, tableExists } from "./catalog.ts";
import { classificationStatements } from "./classify.ts";
import { SqlState, sqlStateOf } from "../errors.ts";
import { inTransaction, outsideTransaction, type StepContext } from "./context.ts";
import { UpgradeError } from "./errors.ts";
import { quarantineTable } from "./quarantine.ts";
import { syncTriggerStatements, countFunctionsSql } from "./sync-triggers.ts";
import { GLOBAL_TENANT_ID, QUARANTINE_ORDER, TARGET_TABLES } from "./tables.ts";
import type { TargetIndex, TargetSchema, TargetTable } from "./target.ts";
import { keyIndexName, presentCheckName, type Step, type Tx } from "./step.ts";
import { switchSteps } from "./steps-switch.ts";

/** Target tables that exist in the legacy schema and change shape. */
export function upgradedTables(target: TargetSchema): TargetTable[] {
  return target.tables.filter((table) => table.name !== "tenants");
}

function transactionStep(
  name: string,
  summary: string,
  run: (ctx: StepContext, tx: Tx) => Promise<void>,
  extra: Partial<Step> = {},
): Step {
  return {
    name,
    phase: "additive",
    kind: "transaction",
    summary,
    run: (ctx, tx) => run(ctx, tx as Tx),
    ...extra,
  };
}

function setupSteps(target: TargetSchema): Step[] {
  return [
    transactionStep("create_roles", "create the tapeline roles and the app schema (migration 0000)",
      async (ctx, tx) => {
        const roles = ctx.migrations.find((migration) => migration.tag === "0000_create_roles");
        for (const statement of roles?.statements ?? []) await tx.unsafe(statement);
      }),
    transactionStep("create_types", "create the enum types the legacy schema lacks", async (_ctx, tx) => {
      for (const type of target.types) {
        const [row] = await tx<{ present: boolean }[]>`
          select to_regtype(${`public.${type.name}`}) is not null as present`;
        if (!row?.present) await tx.unsafe(type.sql);
      }
    }),
    transactionStep("create_tables", "create the tables the legacy schema lacks", async (_ctx, tx) => {
      for (const table of target.tables) {
        if (!(await tableExists(tx, table.name))) await tx.unsafe(table.createSql);
      }
    }),
  ];
}

function columnDefinitionToAdd(table: string, column: { name: string; definition: string }): string {
  const definition = column.definition.replace(/ NOT NULL$/, "");
  if (/DEFAULT|GENERATED|PRIMARY KEY/.test(definition)) {
    throw new UpgradeError(
      "UPGRADE_UNSUPPORTED_COLUMN",
      `Column ${table}.${column.name} is missing and has a default or identity (${definition}); ` +
        `adding it could rewrite the table. Add it by hand, then rerun the upgrade.`,
      { table, column: column.name },
    );
  }
  return definition;
}

function addColumnsStep(table: TargetTable): Step {
  return transactionStep(
    `add_columns:${table.name}`,
    `add the missing columns of ${table.name} as nullable columns without defaults (catalog only)`,
    async (_ctx, tx) => {
      const live = await readColumns(tx, table.name);
      for (const column of table.columns) {
        if (live.has(column.name)) continue;
        const definition = columnDefinitionToAdd(table.name, column);
        await tx.unsafe(`alter table public.${table.name} add column "${column.name}" ${definition}`);
      }
    },
  );
}

function syncTriggerStep(table: string): Step {
  return transactionStep(
    `install_sync_triggers:${table}`,
    `install the triggers that fill and count the old application's writes to ${table}`,
    async (ctx, tx) => {
      await tx.unsafe(countFunctionsSql);
      for (const statement of syncTriggerStatements(table, ctx.options.extractorVersion)) {
        await tx.unsafe(statement);
      }
    },
  );
}

const countRowsBefore = transactionStep(
  "count_rows_before",
  "count every table, less the old application's writes since the counting triggers were installed",
  async (_ctx, tx) => {
    await tx.unsafe("set transaction isolation level repeatable read");
    for (const table of TARGET_TABLES) {
      const [row] = await tx.unsafe<{ rows: number }[]>(
        `select (select count(*) from public.${table})
              - coalesce((select sum(rows_inserted - rows_deleted) from tapeline_upgrade.traffic
                          where table_name = $1), 0) as rows`,
        [table],
      );
      await tx`
        insert into tapeline_upgrade.table_counts (table_name, rows_before)
        values (${table}, ${Number(row?.rows ?? 0)})
        on conflict (table_name) do nothing`;
    }
  },
);

const createGlobalTenant = transactionStep(
  "create_global_tenant",
  "insert the global pseudo-tenant that owns the legacy QC rules",
  async (_ctx, tx) => {
    const inserted = await tx`
      insert into public.tenants (id, slug, name)
      values (${GLOBAL_TENANT_ID}, 'global', 'Global QC rules')
      on conflict do nothing
      returning id`;
    const [present] = await tx`select 1 from public.tenants where id = ${GLOBAL_TENANT_ID}`;
    if (!present) {
      throw new UpgradeError(
        "UPGRADE_GLOBAL_SLUG_TAKEN",
        `A tenant already uses the slug "global", which the global QC rules tenant needs. ` +
          `Rename that tenant's slug, then rerun the upgrade.`,
      );
    }
    await tx`
      update tapeline_upgrade.table_counts set rows_created = rows_created + ${inserted.length}
      where table_name = 'tenants'`;
  },
);

const classify = transactionStep(
  "classify",
  "classify the rows that cannot enter the target schema (tenant, orphans, duplicates, CHECKs)",
  async (_ctx, tx) => {
    for (const statement of classificationStatements("tapeline_upgrade.verdicts")) {
      await tx.unsafe(statement.sql);
    }
  },
  { repeat: true, unbounded: true },
);

function quarantineStep(table: string): Step {
  return {
    name: `quarantine:${table}`,
    phase: "additive",
    kind: "batched",
    repeat: true,
    summary: `move ${table} rows with a verdict into quarantine.rows, in batches`,
    run: async (ctx) => {
      await quarantineTable(ctx, table);
    },
  };
}

function backfillStep(table: string): Step {
  return {
    name: `backfill:${table}`,
    phase: "additive",
    kind: "batched",
    summary: `backfill tenant_id and lineage columns of ${table}, in batches`,
    run: async (ctx) => {
      await backfillTable(ctx, table);
    },
  };
}

async function classifyAll(ctx: StepContext): Promise<void> {
  await inTransaction(
    ctx,
    async (tx) => {
      for (const statement of classificationStatements("tapeline_upgrade.verdicts")) {
        await tx.unsafe(statement.sql);
      }
    },
    { statementTimeoutMs: 0 },
  );
}

/** Classifies and quarantines the rows written since the last pass. */
async function catchUp(ctx: StepContext): Promise<void> {
  await classifyAll(ctx);
  for (const table of QUARANTINE_ORDER) await quarantineTable(ctx, table);
}

async function dropInvalidIndex(ctx: StepContext, name: string): Promise<void> {
  ctx.logger.warn({ step: ctx.step, index: name }, "dropping an invalid index left by a failed build");
  await outsideTransaction(ctx, `drop index concurrently if exists public."${name}"`);
}

/**
 * Builds an index concurrently unless a valid one exists. A unique build
 * that fails on a duplicate the old application wrote since
 * classification quarantines the new duplicates and tries once more.
 */
async function buildIndexConcurrently(ctx: StepContext, name: string, create: string): Promise<void> {
  const existing = await readIndex(ctx.sql, name);
  if (existing?.valid) return;
  if (existing) await dropInvalidIndex(ctx, name);
  try {
    await outsideTransaction(ctx, create);
  } catch (error) {
    if (sqlStateOf(error) !== SqlState.uniqueViolation) throw error;
    ctx.logger.warn({ step: ctx.step, index: name }, "duplicate written during the upgrade; quarantining it");
    await dropInvalidIndex(ctx, name);
    await catchUp(ctx);
    await outsideTransaction(ctx, create);
  }
}

function keyIndexStep(table: TargetTable): Step {
  const name = keyIndexName(table);
  const columns = table.primaryKey.columns.map((column) => `"${column}"`).join(", ");
  return {
    name: `build_index:${name}`,
    phase: "additive",
    kind: "concurrent",
    summary: `build the future primary key index of ${table.name} (${columns}) concurrently`,
    run: async (ctx) => {
      const constraints = await readConstraints(ctx.sql, table.name);
      const primaryKey = constraints.find((constraint) => constraint.type === "p");
      if (primaryKey?.definition === `PRIMARY KEY (${table.primaryKey.columns.join(", ")})`) return;
      await buildIndexConcurrently(
        ctx,
        name,
        `create unique index concurrently "${name}" on public.${table.name} using btree (${columns})`,
      );
    },
  };
}

function targetIndexStep(index: TargetIndex): Step {
  const create = index.sql.replace(/^CREATE (UNIQUE )?INDEX /, "CREATE $1INDEX CONCURRENTLY ");
  return {
    name: `build_index:${index.name}`,
    phase: "additive",
    kind: "concurrent",
    summary: `build ${index.unique ? "unique " : ""}index ${index.name} on ${index.table} concurrently`,
    run: (ctx) => buildIndexConcurrently(ctx, index.name, create),
  };
}

function addConstraintsStep(target: TargetSchema, table: TargetTable): Step {
  return transactionStep(
    `add_constraints:${table.name}`,
    `add the foreign keys, CHECKs and NOT NULL checks of ${table.name} as NOT VALID (new rows checked at once)`,
    async (_ctx, tx) => {
      const existing = new Set((await readConstraints(tx, table.name)).map((c) => c.name));
      const foreignKeys = target.foreignKeys.filter((fk) => fk.table === table.name);
      for (const constraint of [...foreignKeys, ...table.checks]) {
        if (!existing.has(constraint.name)) await tx.unsafe(`${constraint.sql} NOT VALID`);
      }
      const live = await readColumns(tx, table.name);
      for (const column of table.columns) {
        const check = presentCheckName(table.name, column.name);
        if (!column.notNull || live.get(column.name)?.notNull || existing.has(check)) continue;
        await tx.unsafe(
          `alter table public.${table.name} add constraint "${check}" ` +
            `check ("${column.name}" is not null) not valid`,
        );
      }
    },
  );
}

function validateStep(table: TargetTable): Step {
  return {
    name: `validate:${table.name}`,
    phase: "additive",
    kind: "concurrent",
    summary: `validate the NOT VALID constraints of ${table.name} (SHARE UPDATE EXCLUSIVE: writes continue)`,
    run: async (ctx) => {
      for (const constraint of await readConstraints(ctx.sql, table.name)) {
        if (constraint.validated) continue;
        await outsideTransaction(
          ctx,
          `alter table public.${table.name} validate constraint "${constraint.name}"`,
        );
      }
    },
  };
}

/** Builds the list of every step of the upgrade, in order. */
export function buildSteps(target: TargetSchema): Step[] {
  const tables = upgradedTables(target);
  const legacyTables = tables.filter((table) => table.name !== "monitoring_events");
  return [
    ...setupSteps(target),
    ...legacyTables.map(addColumnsStep),
    ...TARGET_TABLES.map(syncTriggerStep),
    countRowsBefore,
    createGlobalTenant,
    classify,
    ...QUARANTINE_ORDER.map(quarantineStep),
    ...Object.keys(BACKFILLS).map(backfillStep),
    ...legacyTables.map(keyIndexStep),
    ...target.indexes.map(targetIndexStep),
    ...tables.map((table) => addConstraintsStep(target, table)),
    ...tables.map(validateStep),
    ...switchSteps(target),
  ];
}

