// The switch: run while the old application is stopped and before the new
// one starts. Swaps the single-column keys for the composite ones, sets
// NOT NULL (instant, because a validated CHECK already proves it), drops
// the legacy constraints and indexes, converts event_outbox.seq to an
// identity column, then applies migrations 0002..0004 verbatim (owners,
// row-level security, policies, audit triggers) and records 0000..0004 as
// drizzle's migrator would. Each step is one transaction.
import { migrateDatabase } from "../migrate.ts";
import { readColumns, readConstraints, readIndexes } from "./catalog.ts";
import type { StepContext } from "./context.ts";
import { dropSyncTriggerStatements } from "./sync-triggers.ts";
import { TARGET_TABLES } from "./tables.ts";
import type { TargetSchema, TargetTable } from "./target.ts";
import { keyIndexName, type Step, type Tx } from "./step.ts";

function switchStep(
  name: string,
  summary: string,
  run: (ctx: StepContext, tx: Tx) => Promise<void>,
): Step {
  return { name, phase: "switch", kind: "transaction", summary, run: (ctx, tx) => run(ctx, tx as Tx) };
}

function tableOf(target: TargetSchema, name: string): TargetTable | undefined {
  return target.tables.find((table) => table.name === name);
}

async function dropLegacyForeignKeys(tx: Tx, target: TargetSchema): Promise<void> {
  const keep = new Set(target.foreignKeys.map((fk) => fk.name));
  for (const table of TARGET_TABLES) {
    for (const constraint of await readConstraints(tx, table)) {
      if (constraint.type === "f" && !keep.has(constraint.name)) {
        await tx.unsafe(`alter table public.${table} drop constraint "${constraint.name}"`);
      }
    }
  }
}

async function setNotNull(tx: Tx, table: TargetTable): Promise<void> {
  const live = await readColumns(tx, table.name);
  for (const column of table.columns) {
    if (column.notNull && live.get(column.name)?.notNull === false) {
      await tx.unsafe(`alter table public.${table.name} alter column "${column.name}" set not null`);
    }
  }
}

/** Drops unique, CHECK and primary key constraints that the target does not have. */
async function dropLegacyConstraints(tx: Tx, table: TargetTable): Promise<void> {
  const checks = new Set(table.checks.map((check) => check.name));
  const primaryKey = `PRIMARY KEY (${table.primaryKey.columns.join(", ")})`;
  for (const constraint of await readConstraints(tx, table.name)) {
    const legacyPrimaryKey =
      constraint.type === "p" && table.primaryKey.name !== "" && constraint.definition !== primaryKey;
    const legacyOther = ["u", "c", "x"].includes(constraint.type) && !checks.has(constraint.name);
    if (legacyPrimaryKey || legacyOther) {
      await tx.unsafe(`alter table public.${table.name} drop constraint "${constraint.name}"`);
    }
  }
}

async function attachPrimaryKey(tx: Tx, table: TargetTable): Promise<void> {
  if (table.primaryKey.name === "") return;
  const constraints = await readConstraints(tx, table.name);
  if (constraints.some((constraint) => constraint.type === "p")) return;
  await tx.unsafe(
    `alter table public.${table.name} add constraint "${table.primaryKey.name}" ` +
      `primary key using index "${keyIndexName(table)}"`,
  );
}

async function dropLegacyIndexes(tx: Tx, target: TargetSchema, table: string): Promise<void> {
  const keep = new Set(target.indexes.map((index) => index.name));
  for (const index of await readIndexes(tx, table)) {
    if (index.constraintName === null && !keep.has(index.name)) {
      await tx.unsafe(`drop index public."${index.name}"`);
    }
  }
}

/** Turns a serial column into the identity column the target declares, keeping its sequence position. */
async function convertToIdentity(tx: Tx, table: TargetTable): Promise<void> {
  const live = await readColumns(tx, table.name);
  for (const column of table.columns) {
    const identity = column.definition.indexOf("GENERATED ALWAYS AS IDENTITY");
    if (identity < 0 || live.get(column.name)?.identity !== false) continue;
    const [serial] = await tx<{ sequence: string | null; next: string | null }[]>`
      select pg_get_serial_sequence(${`public.${table.name}`}, ${column.name}) as sequence`;
    const [max] = await tx.unsafe<{ value: string | null }[]>(
      `select max("${column.name}")::text as value from public.${table.name}`,
    );
    await tx.unsafe(`alter table public.${table.name} alter column "${column.name}" drop default`);
    if (serial?.sequence) await tx.unsafe(`drop sequence ${serial.sequence}`);
    await tx.unsafe(
      `alter table public.${table.name} alter column "${column.name}" add ${column.definition.slice(identity)}`,
    );
    if (max?.value) {
      await tx.unsafe(
        `select setval(pg_get_serial_sequence($1, $2), $3::bigint)`,
        [`public.${table.name}`, column.name, max.value],
      );
    }
  }
}

const DRIZZLE_TABLE_DDL = [
  `CREATE SCHEMA IF NOT EXISTS "drizzle"`,
  `CREATE TABLE IF NOT EXISTS "drizzle"."__drizzle_migrations" (
				id SERIAL PRIMARY KEY,
				hash text NOT NULL,
				created_at bigint
			)`,
];

export function switchSteps(target: TargetSchema): Step[] {
  const tables = TARGET_TABLES.map((name) => tableOf(target, name)).filter(
    (table): table is TargetTable => table !== undefined,
  );
  return [
    switchStep("switch_drop_sync_triggers", "drop the triggers that served the old application",
      async (_ctx, tx) => {
        for (const statement of dropSyncTriggerStatements()) await tx.unsafe(statement);
      }),
    switchStep("switch_keys",
      "swap in composite primary keys, set NOT NULL, drop legacy constraints and indexes, make seq an identity",
      async (_ctx, tx) => {
        await dropLegacyForeignKeys(tx, target);
        for (const table of tables) await setNotNull(tx, table);
        for (const table of tables) await dropLegacyConstraints(tx, table);
        for (const table of tables) await attachPrimaryKey(tx, table);
        for (const table of tables) await dropLegacyIndexes(tx, target, table.name);
        for (const table of tables) await convertToIdentity(tx, table);
      }),
    ...(["0002_create_tenant_functions", "0003_enable_row_level_security", "0004_create_audit_triggers"] as const).map(
      (tag) =>
        switchStep(`switch_apply:${tag}`, `apply migration ${tag} verbatim`, async (ctx, tx) => {
          const migration = ctx.migrations.find((candidate) => candidate.tag === tag);
          for (const statement of migration?.statements ?? []) await tx.unsafe(statement);
        }),
    ),
    switchStep("switch_record_migrations",
      "record migrations 0000..0004 in drizzle.__drizzle_migrations as drizzle's migrator does",
      async (ctx, tx) => {
        for (const statement of DRIZZLE_TABLE_DDL) await tx.unsafe(statement);
        for (const migration of ctx.migrations) {
          await tx`
            insert into drizzle.__drizzle_migrations (hash, created_at)
            select ${migration.hash}, ${migration.createdAt}
            where not exists (select 1 from drizzle.__drizzle_migrations where hash = ${migration.hash})`;
        }
      }),
    switchStep("count_rows_after", "count every table once the switch is complete", async (_ctx, tx) => {
      for (const table of TARGET_TABLES) {
        await tx.unsafe(
          `update tapeline_upgrade.table_counts
           set rows_after = (select count(*) from public.${table})
           where table_name = $1`,
          [table],
        );
      }
    }),
    {
      name: "apply_newer_migrations",
      phase: "switch",
      kind: "session",
      repeat: true,
      summary: "apply migrations newer than 0004 with the normal migrator",
      run: async (ctx) => {
        const result = await migrateDatabase(ctx.migrate);
        ctx.logger.info({ step: ctx.step, applied: result.applied }, "newer migrations applied");
      },
    },
  ];
}
