// QC against real HMDA test data: the shipped global rules, tenant rules
// and their retirement, run as the application role.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  and,
  eq,
  eventOutbox,
  GLOBAL_TENANT_ID,
  loanCandidates,
  qcDefects,
  qcRules,
} from "@tapeline/db";
import { createImport, processImport } from "@tapeline/core/imports";
import { FileStorage } from "@tapeline/core/storage";
import { createTenantPair, useTestDatabase } from "@tapeline/testing";
import { EvidenceError } from "../errors.ts";
import { evaluateImportedLoans } from "../evaluate-loan.ts";
import { listDefects } from "./read-defects.ts";
import { createRule, listRules, retireRule } from "./rules.ts";

const tapePath = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../core/test-data/hmda-lar/Bank1_clean_5_rows.txt",
);
/** The row of Bank1_clean_5_rows.txt whose loan term is 106 months. */
const ULI_WITH_106_MONTHS = "GJQ7UN7SN3BZ416JTQTLXO";

describe("QC rules", () => {
  const t = useTestDatabase();
  let storageRoot: string;
  let tenantA: string;
  let tenantB: string;
  let importId: string;

  beforeAll(async () => {
    ({ tenantA, tenantB } = await createTenantPair(t.system));
    storageRoot = await mkdtemp(path.join(tmpdir(), "tapeline-qc-"));
    const storage = new FileStorage(storageRoot);
    const content = new Uint8Array(await readFile(tapePath));
    const input = { fileName: "Bank1_clean_5_rows.txt", format: "hmda" as const, content };
    ({ importId } = await createImport(t.db, storage, tenantA, input, "qc-test"));
    await processImport(t.db, storage, tenantA, importId, { actor: "qc-test" });
  });

  afterAll(async () => {
    await rm(storageRoot, { recursive: true, force: true });
  });

  const asA = <T>(work: Parameters<typeof t.db.tenant<T>>[1]) =>
    t.db.tenant(tenantA, work, { actor: "reviewer@a" });

  async function loanId(loanNumber: string) {
    const [loan] = await asA((tx) =>
      tx
        .select({ id: loanCandidates.id })
        .from(loanCandidates)
        .where(and(eq(loanCandidates.tenantId, tenantA), eq(loanCandidates.loanNumber, loanNumber))),
    );
    if (!loan) throw new Error(`loan ${loanNumber} missing`);
    return loan.id;
  }

  async function openDefectCount() {
    const rows = await asA((tx) =>
      tx
        .select({ id: qcDefects.id })
        .from(qcDefects)
        .where(and(eq(qcDefects.tenantId, tenantA), eq(qcDefects.status, "open"))),
    );
    return rows.length;
  }

  it("ships global rules every tenant reads", async () => {
    const codes = (await asA((tx) => listRules(tx))).map((rule) => rule.code);
    expect(codes).toEqual(expect.arrayContaining(["term_standard", "rate_plausible_band", "loan_amount_positive"]));
    const seenByB = await t.db.tenant(tenantB, (tx) => listRules(tx));
    expect(seenByB.every((rule) => rule.scope === "global")).toBe(true);
  });

  it("flags the 106-month term", async () => {
    const totals = await evaluateImportedLoans(t.db, tenantA, importId, "qc-test");
    expect(totals.loans).toBe(5);
    const loan = await loanId(ULI_WITH_106_MONTHS);
    const open = await asA((tx) => listDefects(tx, loan, "open"));
    const term = open.find((defect) => defect.ruleCode === "term_standard");
    expect(term?.severity).toBe("warning");
    expect(JSON.stringify(term?.details)).toContain('"value":"106"');
  });

  it("writes defects once across runs", async () => {
    const before = await openDefectCount();
    const events = async () =>
      (await asA((tx) =>
        tx.select().from(eventOutbox).where(and(eq(eventOutbox.tenantId, tenantA), eq(eventOutbox.type, "defect.opened"))),
      )).length;
    const eventsBefore = await events();
    expect(eventsBefore).toBe(before);
    const again = await evaluateImportedLoans(t.db, tenantA, importId, "qc-test");
    expect(again.defectsOpened).toBe(0);
    expect(await openDefectCount()).toBe(before);
    expect(await events()).toBe(eventsBefore);
  });

  it("retires a tenant rule and keeps its defects", async () => {
    const rule = await asA((tx) =>
      createRule(tx, {
        code: "amount_over_150k",
        name: "Loan amount over 150,000",
        severity: "info",
        message: "Loan amount at most 150,000.",
        definition: { field: "loan_amount", check: "compare", op: "gt", value: 150000 },
      }),
    );
    await evaluateImportedLoans(t.db, tenantA, importId, "qc-test");
    const loan = await loanId(ULI_WITH_106_MONTHS);
    const opened = (await asA((tx) => listDefects(tx, loan, "open"))).filter((d) => d.ruleId === rule.id);
    expect(opened).toHaveLength(1);

    const retired = await asA((tx) => retireRule(tx, rule.id));
    expect(retired.status).toBe("retired");
    const after = (await asA((tx) => listDefects(tx, loan))).filter((d) => d.ruleId === rule.id);
    expect(after).toHaveLength(1);
    expect(after[0]?.status).toBe("closed");
    const closedEvents = await asA((tx) =>
      tx.select().from(eventOutbox).where(and(eq(eventOutbox.tenantId, tenantA), eq(eventOutbox.type, "defect.closed"))),
    );
    expect(closedEvents.map((event) => (event.payload as { defectId?: string }).defectId)).toContain(after[0]?.id);
  });

  it("rejects an invalid tenant rule", async () => {
    const attempt = asA((tx) =>
      createRule(tx, { code: "bad", name: "Bad", severity: "info", message: "m", definition: { field: "state", check: "range", min: 1 } }),
    );
    await expect(attempt).rejects.toMatchObject({ code: "INVALID_RULE", kind: "invalid" });
  });

  it("keeps global rules read-only for tenants", async () => {
    const [global] = await asA((tx) =>
      tx.select().from(qcRules).where(and(eq(qcRules.tenantId, GLOBAL_TENANT_ID), eq(qcRules.code, "term_standard"))),
    );
    if (!global) throw new Error("term_standard is not shipped");
    const attempt = asA((tx) => retireRule(tx, global.id));
    await expect(attempt).rejects.toBeInstanceOf(EvidenceError);
    await expect(attempt).rejects.toMatchObject({ code: "GLOBAL_RULE_READ_ONLY", kind: "forbidden" });

    // Row-level security is the guarantee: a direct update changes nothing.
    const updated = await asA((tx) =>
      tx.update(qcRules).set({ status: "retired" }).where(eq(qcRules.id, global.id)).returning(),
    );
    expect(updated).toHaveLength(0);
  });

  it("hides a tenant rule from other tenants", async () => {
    const rule = await asA((tx) =>
      createRule(tx, { code: "rate_present", name: "Rate", severity: "info", message: "m", definition: { field: "interest_rate", check: "present" } }),
    );
    const attempt = t.db.tenant(tenantB, (tx) => retireRule(tx, rule.id));
    await expect(attempt).rejects.toMatchObject({ code: "RULE_NOT_FOUND" });
    const codesOfB = (await t.db.tenant(tenantB, (tx) => listRules(tx))).map((r) => r.code);
    expect(codesOfB).not.toContain("rate_present");
  });
});
