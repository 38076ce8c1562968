// The database itself rejects an extraction datapoint whose evidence
// document belongs to another loan of the same tenant.
import { describe, expect, it } from "vitest";
import { insertDatapoints, loanCandidates, loanDocuments } from "@tapeline/db";
import { captureSqlError, createTenant, useTestDatabase } from "@tapeline/testing";

describe("evidence document foreign key", () => {
  const t = useTestDatabase();

  it("rejects another loan's document", async () => {
    const tenant = await createTenant(t.system, "evidence-fk");
    const error = await captureSqlError(
      t.db.tenant(tenant, async (tx) => {
        const loans = await tx
          .insert(loanCandidates)
          .values([{ tenantId: tenant, loanNumber: "L-1" }, { tenantId: tenant, loanNumber: "L-2" }])
          .returning();
        const [document] = await tx
          .insert(loanDocuments)
          .values({
            tenantId: tenant,
            loanId: loans[0]!.id,
            fileName: "estimate.pdf",
            contentSha256: "a".repeat(64),
            sizeBytes: 10,
            storageKey: "documents/x",
            createdBy: "test",
          })
          .returning();
        await insertDatapoints(tx, [
          {
            source: "extraction",
            loanId: loans[1]!.id,
            key: "loan_amount",
            value: "211000.00",
            valueNumber: "211000.00",
            confidence: 0.95,
            evidenceDocId: document!.id,
            evidencePage: 1,
            evidenceText: "Loan Amount $211,000",
          },
        ]);
      }),
    );
    expect(error?.code).toBe("23503");
    expect(error?.constraint).toBe("loan_datapoints_evidence_doc_fkey");
  });

  it("accepts the loan's own document", async () => {
    const tenant = await createTenant(t.system, "evidence-fk-ok");
    const ids = await t.db.tenant(tenant, async (tx) => {
      const [loan] = await tx.insert(loanCandidates).values({ tenantId: tenant, loanNumber: "L-1" }).returning();
      const [document] = await tx
        .insert(loanDocuments)
        .values({
          tenantId: tenant,
          loanId: loan!.id,
          fileName: "estimate.pdf",
          contentSha256: "b".repeat(64),
          sizeBytes: 10,
          storageKey: "documents/y",
          createdBy: "test",
        })
        .returning();
      return insertDatapoints(tx, [
        {
          source: "extraction",
          loanId: loan!.id,
          key: "loan_amount",
          value: "211000.00",
          valueNumber: "211000.00",
          confidence: 0.95,
          evidenceDocId: document!.id,
          evidencePage: 1,
          evidenceText: "Loan Amount $211,000",
        },
      ]);
    });
    expect(ids).toHaveLength(1);
  });
});
