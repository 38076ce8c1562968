// Database lifecycle for operators and the test harness: create a database
// from a template, drop one. Runs on the admin connection.
import postgres from "postgres";

function quoteIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`Invalid database name ${JSON.stringify(name)}: use lower-case letters, digits and _.`);
  }
  return `"${name}"`;
}

export async function createDatabase(
  maintenanceUrl: string,
  name: string,
  options: { template?: string } = {},
): Promise<void> {
  const sql = postgres(maintenanceUrl, { max: 1, onnotice: () => {} });
  try {
    const template = options.template ? ` template ${quoteIdentifier(options.template)}` : "";
    await sql.unsafe(`create database ${quoteIdentifier(name)}${template}`);
  } finally {
    await sql.end();
  }
}

export async function dropDatabase(maintenanceUrl: string, name: string): Promise<void> {
  const sql = postgres(maintenanceUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`drop database if exists ${quoteIdentifier(name)} with (force)`);
  } finally {
    await sql.end();
  }
}
