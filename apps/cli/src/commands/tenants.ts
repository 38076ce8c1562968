// `tapeline tenants list` and `tapeline tenants create SLUG NAME`.
import type { CliEnv } from "./env.ts";
import { withDatabase } from "./database.ts";
import { UsageError } from "./usage.ts";

export async function runTenants(args: string[], env: CliEnv): Promise<void> {
  const [action, ...rest] = args;
  if (action === "list") {
    if (rest.length > 0)
      throw new UsageError(
        `tenants list takes no arguments; got ${rest.join(" ")}.`,
      );
    await listTenants(env);
    return;
  }
  if (action === "create") {
    const [slug, ...nameParts] = rest;
    const name = nameParts.join(" ").trim();
    if (!slug || name === "") {
      throw new UsageError(
        'tenants create needs a slug and a name, for example: tenants create acme-bank "Acme Bank".',
      );
    }
    await createTenant(slug, name, env);
    return;
  }
  throw new UsageError(
    action
      ? `Unknown tenants command ${JSON.stringify(action)}: use list or create.`
      : "tenants needs a command: list or create.",
  );
}

async function listTenants(env: CliEnv): Promise<void> {
  const tenants = await withDatabase(env.logLevel, ({ system }) =>
    system.listTenants(),
  );
  if (tenants.length === 0) {
    console.log(
      "No tenants yet. Create one with: pnpm tapeline tenants create SLUG NAME",
    );
    return;
  }
  const slugWidth = Math.max(4, ...tenants.map((tenant) => tenant.slug.length));
  console.log(`${"id".padEnd(36)}  ${"slug".padEnd(slugWidth)}  name`);
  for (const tenant of tenants) {
    console.log(
      `${tenant.id}  ${tenant.slug.padEnd(slugWidth)}  ${tenant.name}`,
    );
  }
}

async function createTenant(
  slug: string,
  name: string,
  env: CliEnv,
): Promise<void> {
  const id = await withDatabase(env.logLevel, ({ system }) =>
    system.createTenant(slug, name),
  );
  console.log(`Tenant ${slug} (${name}): ${id}`);
}
