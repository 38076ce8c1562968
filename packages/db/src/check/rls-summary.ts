// The table db:check prints: every table with its row-level security
// state and policies, so the output covers the tables that pass as well.
import type postgres from "postgres";

export interface TableSecurity {
  table: string;
  tenantTable: boolean;
  rlsEnabled: boolean;
  rlsForced: boolean;
  /** `name (command, roles)` for each policy. */
  policies: string[];
}

export async function readTableSecurity(sql: postgres.Sql): Promise<TableSecurity[]> {
  const rows = await sql<
    { table: string; tenant_table: boolean; rls_enabled: boolean; rls_forced: boolean; policies: string[] }[]
  >`
    select format('%I.%I', n.nspname, c.relname) as "table",
           ((n.nspname = 'public' and c.relname = 'tenants') or exists (
               select 1 from pg_attribute a
               where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)) as tenant_table,
           c.relrowsecurity as rls_enabled,
           c.relforcerowsecurity as rls_forced,
           coalesce((
               select array_agg(format('%s (%s, %s)', p.policyname, lower(p.cmd),
                                       array_to_string(p.roles, ' ')) order by p.policyname)
               from pg_policies p
               where p.schemaname = n.nspname and p.tablename = c.relname), '{}') as policies
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p')
      and n.nspname not in ('pg_catalog', 'information_schema')
      and n.nspname not like 'pg\\_%'
    order by 1`;
  return rows.map((row) => ({
    table: row.table,
    tenantTable: row.tenant_table,
    rlsEnabled: row.rls_enabled,
    rlsForced: row.rls_forced,
    policies: row.policies,
  }));
}

/** Formats the tables as fixed-width columns; a table's policies go one per line. */
export function formatTableSecurity(tables: readonly TableSecurity[]): string {
  const yesNo = (value: boolean) => (value ? "yes" : "no");
  const header = ["table", "tenant", "rls", "forced", "policies"];
  const rows = tables.flatMap((table) => {
    const policies = table.policies.length > 0 ? table.policies : ["(none)"];
    return policies.map((policy, i) =>
      i === 0
        ? [table.table, yesNo(table.tenantTable), yesNo(table.rlsEnabled), yesNo(table.rlsForced), policy]
        : ["", "", "", "", policy],
    );
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    cells.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd();
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}
