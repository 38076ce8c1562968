import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UpgradeReport } from "./report.ts";
import { diffSchemaCatalogs, type SchemaCatalog } from "./schema-catalog.ts";
import {
  createLegacyDatabase,
  createScratchDatabase,
  fingerprintData,
  readCatalog,
  upgrade,
  type ScratchDatabase,
} from "./test-support.ts";

// 110 loans: every anomaly of the fixture, at 2,200 datapoints.
const LOANS = 110;

class InjectedFailure extends Error {}

describe("interrupted upgrade", () => {
  let template: ScratchDatabase;
  const scratch: ScratchDatabase[] = [];
  let reference: UpgradeReport;
  let referenceData: Record<string, string>;
  let referenceCatalog: SchemaCatalog;

  async function cloneLegacy(): Promise<ScratchDatabase> {
    const database = await createScratchDatabase("resume", template.name);
    scratch.push(database);
    return database;
  }

  beforeAll(async () => {
    template = await createLegacyDatabase(LOANS);
    const straight = await cloneLegacy();
    reference = await upgrade(straight.adminUrl);
    referenceData = await fingerprintData(straight.adminUrl);
    referenceCatalog = await readCatalog(straight.adminUrl);
  });

  afterAll(async () => {
    for (const database of scratch) await database.drop();
    await template?.drop();
  });

  it("resumes after a failure at every step", async () => {
    const database = await cloneLegacy();
    const steps = reference.stepsRun.map((step) => step.name);
    expect(steps.length).toBeGreaterThan(100);

    for (const failAt of steps) {
      const run = upgrade(database.adminUrl, {
        hooks: {
          afterStepWork: (step) => {
            if (step === failAt) throw new InjectedFailure(`injected failure after ${step}`);
          },
        },
      });
      await expect(run, failAt).rejects.toMatchObject({ code: "UPGRADE_STEP_FAILED" });
    }
    const finished = await upgrade(database.adminUrl);

    expect(finished.phaseCompleted).toBe("switch");
    expect(finished.balanced).toBe(true);
    expect(finished.tables).toEqual(reference.tables);
    expect(await fingerprintData(database.adminUrl)).toEqual(referenceData);
    expect(diffSchemaCatalogs(referenceCatalog, await readCatalog(database.adminUrl))).toEqual([]);
  });

  it("resumes after a failure between batches", async () => {
    const database = await cloneLegacy();
    const failOnce = new Set(["quarantine:audits", "backfill:loan_datapoints", "backfill:audits"]);
    let failures = 0;
    let finished: UpgradeReport | undefined;

    for (let attempt = 0; attempt < 10 && !finished; attempt += 1) {
      finished = await upgrade(database.adminUrl, {
        batchSize: 20,
        hooks: {
          afterBatch: (step, batch) => {
            if (batch === 3 && failOnce.delete(step)) throw new InjectedFailure(`after batch 3 of ${step}`);
          },
        },
      }).catch((error: unknown) => {
        if (!(error instanceof Error) || !(error.cause instanceof InjectedFailure)) throw error;
        failures += 1;
        return undefined;
      });
    }

    expect(failures).toBe(3);
    expect(finished?.balanced).toBe(true);
    expect(finished?.tables).toEqual(reference.tables);
    expect(await fingerprintData(database.adminUrl)).toEqual(referenceData);
  });

  it("rejects a second concurrent run", async () => {
    const database = await cloneLegacy();
    let second: Promise<unknown> | undefined;
    await upgrade(database.adminUrl, {
      until: "additive",
      hooks: {
        afterStep: (step) => {
          if (step === "create_roles") second = upgrade(database.adminUrl).catch((error) => error);
        },
      },
    });
    await expect(second).resolves.toMatchObject({ code: "UPGRADE_ALREADY_RUNNING" });
  });
});
