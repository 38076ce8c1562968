import { describe, expect, it } from "vitest";
import { loanCandidates } from "@tapeline/db";
import { createTenantPair, useTestDatabase } from "./index.ts";

describe("db.tenant", () => {
  const t = useTestDatabase();

  it("hides tenant A's loan from tenant B", async () => {
    const { tenantA, tenantB } = await createTenantPair(t.system);
    await t.db.tenant(tenantA, (tx) =>
      tx.insert(loanCandidates).values({ tenantId: tenantA, loanNumber: "L-1" }),
    );
    const seenByA = await t.db.tenant(tenantA, (tx) => tx.select().from(loanCandidates));
    const seenByB = await t.db.tenant(tenantB, (tx) => tx.select().from(loanCandidates));
    expect(seenByA).toHaveLength(1);
    expect(seenByB).toHaveLength(0);
  });
});
