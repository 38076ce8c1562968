// The load run in small: 5,000 events, 3 tenants, 2 worker processes.
import { expect, it } from "vitest";
import { useTestDatabase } from "@tapeline/testing";
import { runSoak } from "./soak-run.ts";

const t = useTestDatabase();

it("delivers 5,000 events of 3 tenants through 2 workers exactly once each, in order per loan", { timeout: 180_000 }, async () => {
  const result = await runSoak({
    adminUrl: t.adminUrl,
    appUrl: t.appUrl,
    relayUrl: t.relayUrl,
    events: 5_000,
    tenants: 3,
    workers: 2,
    loansPerTenant: 100,
    timeLimitSeconds: 150,
  });
  expect(result).toMatchObject({
    events: 5_000,
    delivered: 5_000,
    lost: 0,
    duplicates: 0,
    crossTenant: 0,
    invalidSignatures: 0,
    outOfOrderLoans: 0,
    timedOut: false,
  });
});
