// The login roles can only be as safe as their attributes: the application
// and relay roles must not be superuser, bypass row-level security, own
// anything, or be able to become a role that does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_ROLE, OWNER_ROLE, RELAY_ROLE, SqlState, sql } from "@tapeline/db";
import { openTestConnection, type TestConnection } from "@tapeline/db/testing";
import { useTestDatabase } from "./database.ts";
import { createTenantPair } from "./fixtures.ts";
import { captureSqlError } from "./sql-errors.ts";

const t = useTestDatabase();
let admin: TestConnection;
let unscoped: TestConnection;

beforeAll(() => {
  admin = openTestConnection(t.adminUrl);
  unscoped = openTestConnection(t.appUrl);
});

afterAll(async () => {
  await Promise.all([admin?.close(), unscoped?.close()]);
});

interface RoleRow extends Record<string, unknown> {
  rolsuper: boolean;
  rolbypassrls: boolean;
  rolcreaterole: boolean;
  rolcreatedb: boolean;
}

describe.each([APP_ROLE, RELAY_ROLE])("role %s", (role) => {
  it("is neither superuser nor exempt from row-level security", async () => {
    const rows = await admin.execute<RoleRow>(sql`
      select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb
      from pg_roles where rolname = ${role}`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toEqual({
      rolsuper: false,
      rolbypassrls: false,
      rolcreaterole: false,
      rolcreatedb: false,
    });
  });

  it("owns no object in the database", async () => {
    const owned = await admin.execute<{ object: string }>(sql`
      select format('relation %s', c.oid::regclass) as object
      from pg_class c where c.relowner = ${role}::regrole
      union all
      select format('function %s', p.oid::regprocedure)
      from pg_proc p where p.proowner = ${role}::regrole
      union all
      select format('type %s', ty.oid::regtype)
      from pg_type ty where ty.typowner = ${role}::regrole
      union all
      select format('schema %I', n.nspname)
      from pg_namespace n where n.nspowner = ${role}::regrole
      union all
      select format('database %I', d.datname)
      from pg_database d where d.datdba = ${role}::regrole`);
    expect(owned).toEqual([]);
  });

  it("belongs to no other role", async () => {
    const memberships = await admin.execute<{ role: string }>(sql`
      select r.rolname as role
      from pg_roles r
      where r.rolname <> ${role} and pg_has_role(${role}::name, r.oid, 'MEMBER')`);
    expect(memberships).toEqual([]);
  });
});

describe("application role session", () => {
  it("runs test queries as the application role", async () => {
    const { tenantA } = await createTenantPair(t.system);
    const rows = await t.db.tenant(tenantA, (tx) =>
      tx.execute<{ current_user: string; session_user: string }>(
        sql`select current_user, session_user`,
      ),
    );
    expect(rows[0]).toEqual({ current_user: APP_ROLE, session_user: APP_ROLE });
  });

  it("cannot switch to the owner role", async () => {
    const error = await captureSqlError(unscoped.execute(sql.raw(`set role ${OWNER_ROLE}`)));
    expect(error.code).toBe(SqlState.insufficientPrivilege);
  });

  it("cannot turn row-level security off for itself", async () => {
    await unscoped.execute(sql`set row_security = off`);
    const error = await captureSqlError(unscoped.execute(sql`select count(*) from loan_candidates`));
    expect(error.code).toBe(SqlState.insufficientPrivilege);
    expect(error.message).toMatch(/row-level security/);
    await unscoped.execute(sql`reset row_security`);
  });
});
