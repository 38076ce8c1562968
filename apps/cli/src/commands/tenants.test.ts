import { describe, expect, it } from "vitest";
import { TapelineError } from "@tapeline/db";
import { useTestDatabase } from "@tapeline/testing";

// SystemDatabase.createTenant is what `tapeline tenants create` calls.
describe("createTenant", () => {
  const t = useTestDatabase();

  it("rejects the global slug", async () => {
    const creating = t.system.createTenant("global", "Renamed");
    await expect(creating).rejects.toThrow(TapelineError);
    await expect(creating).rejects.toThrow(/reserved for the pseudo-tenant/);
  });
});
