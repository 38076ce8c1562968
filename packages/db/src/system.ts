// Operator-level work that no tenant may do: tenant provisioning and
// listing. Runs on the admin connection through app.create_tenant and
// app.list_tenants, which execute as tapeline_owner.
import postgres from "postgres";
import { z } from "zod";
import { TapelineError } from "./errors.ts";
import { GLOBAL_TENANT_ID } from "./schema/tenants.ts";

export interface TenantRecord {
  id: string;
  slug: string;
  name: string;
  createdAt: Date;
}

/** Slug of the nil-UUID pseudo-tenant that owns global QC rules. */
const GLOBAL_TENANT_SLUG = "global";

function reservedSlug(slug: string): TapelineError {
  return new TapelineError(
    "RESERVED_TENANT_SLUG",
    `Invalid tenant slug ${JSON.stringify(slug)}: it is reserved for the pseudo-tenant ` +
      `${GLOBAL_TENANT_ID} that owns global QC rules. Choose another slug.`,
  );
}

const slugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "lower-case letters, digits and dashes, 2 to 63 characters");

export class SystemDatabase {
  readonly #sql: postgres.Sql;

  constructor(adminUrl: string) {
    this.#sql = postgres(adminUrl, { max: 2, onnotice: () => {} });
  }

  /**
   * Creates a tenant, or renames the one with this slug; returns its id.
   * The global pseudo-tenant (slug `global`, nil UUID) is never renamed.
   */
  async createTenant(slug: string, name: string): Promise<string> {
    const parsed = slugSchema.safeParse(slug);
    if (!parsed.success) {
      throw new TapelineError(
        "INVALID_TENANT_SLUG",
        `Invalid tenant slug ${JSON.stringify(slug)}: use ${parsed.error.issues[0]?.message}.`,
      );
    }
    if (slug === GLOBAL_TENANT_SLUG) throw reservedSlug(slug);

    return this.#sql.begin(async (sql) => {
      const [row] = await sql<{ id: string }[]>`
        select app.create_tenant(${slug}, ${name}) as id`;
      if (!row) throw new Error("app.create_tenant returned no row");
      // Another slug may name the nil-UUID row if it was changed by hand;
      // throwing here rolls the rename back.
      if (row.id === GLOBAL_TENANT_ID) throw reservedSlug(slug);
      return row.id;
    });
  }

  async listTenants(): Promise<TenantRecord[]> {
    const rows = await this.#sql<
      { id: string; slug: string; name: string; created_at: Date }[]
    >`select id, slug, name, created_at from app.list_tenants()`;
    return rows.map((row) => ({
      id: row.id,
      slug: row.slug,
      name: row.name,
      createdAt: row.created_at,
    }));
  }

  async close(): Promise<void> {
    await this.#sql.end({ timeout: 5 });
  }
}

export function connectSystem(adminUrl: string): SystemDatabase {
  return new SystemDatabase(adminUrl);
}
