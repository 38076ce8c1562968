// Applies the migrations in ../migrations (drizzle-kit journal order) and
// sets the login roles' passwords.
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { migrationsFolder } from "./env.ts";
import { APP_ROLE, RELAY_ROLE } from "./urls.ts";

export interface MigrateOptions {
  adminUrl: string;
  appPassword?: string;
  relayPassword?: string;
}

export interface MigrateResult {
  applied: number;
  total: number;
}

/** Serialises concurrent migrators (the API and the worker starting together). */
const MIGRATION_LOCK_KEY = 7_461_230_001;

export async function migrateDatabase(options: MigrateOptions): Promise<MigrateResult> {
  const sql = postgres(options.adminUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    const before = await countAppliedMigrations(sql);
    await migrate(drizzle(sql), { migrationsFolder });
    const after = await countAppliedMigrations(sql);
    await setRolePassword(sql, APP_ROLE, options.appPassword);
    await setRolePassword(sql, RELAY_ROLE, options.relayPassword);
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    return { applied: after - before, total: after };
  } finally {
    await sql.end();
  }
}

async function countAppliedMigrations(sql: postgres.Sql): Promise<number> {
  const [table] = await sql<{ name: string | null }[]>`
    select to_regclass('drizzle.__drizzle_migrations')::text as name`;
  if (!table?.name) return 0;
  const [row] = await sql<{ count: number }[]>`
    select count(*)::int as count from drizzle.__drizzle_migrations`;
  return row?.count ?? 0;
}

/** ALTER ROLE takes no bind parameters, so the server quotes the password with format('%L'). */
async function setRolePassword(
  sql: postgres.Sql,
  role: string,
  password: string | undefined,
): Promise<void> {
  if (!password) return;
  const [row] = await sql<{ statement: string }[]>`
    select format('alter role %I with login password %L', ${role}::text, ${password}::text) as statement`;
  if (row) await sql.unsafe(row.statement);
}
