// The ON DELETE rule of each foreign key, exercised as the application
// role. A loan takes its documents, datapoints, conflicts and defects with
// it but leaves its audit trail. An import takes its errors, mappings and
// tape datapoints. A QC rule with defects cannot be deleted at all.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { GLOBAL_TENANT_ID, sql } from "@tapeline/db";
import { openTestConnection } from "@tapeline/db/testing";
import { useTestDatabase } from "./database.ts";
import { TableFixtures } from "./fixtures-by-table.ts";
import { createTenantPair } from "./fixtures.ts";
import { deleteWhereSql, insertRowSql, updateRowSql, type ColumnValues } from "./row-sql.ts";
import { captureSqlError } from "./sql-errors.ts";

/**
 * SQLSTATEs of an ON DELETE RESTRICT foreign key refusing a delete:
 * restrict_violation (23001) on PostgreSQL 18, foreign_key_violation (23503)
 * on PostgreSQL 15, as observed by running this suite on both.
 */
const RESTRICT_REFUSALS = ["23001", "23503"];

const t = useTestDatabase();
let tenantA: string;
let tenantB: string;
let fixtures: TableFixtures;

beforeAll(async () => {
  ({ tenantA, tenantB } = await createTenantPair(t.system));
  fixtures = new TableFixtures(t.db);
});

const countAs = async (tenantId: string, table: string, column: string, value: unknown) => {
  const rows = await t.db.tenant(tenantId, (tx) =>
    tx.execute<{ count: number }>(sql`
      select count(*)::int as count from ${sql.identifier(table)}
      where ${sql.identifier(column)} = ${String(value)}`),
  );
  return rows[0]!.count;
};

const deleteAs = async (tenantId: string, table: string, id: unknown) => {
  const result = await t.db.tenant(tenantId, (tx) => tx.execute(deleteWhereSql(table, "id", id)));
  return result.count;
};

describe("deleting a loan", () => {
  let loan: ColumnValues;
  let document: ColumnValues;
  let conflict: ColumnValues;
  let defect: ColumnValues;
  let tape: ColumnValues;
  let tapeDatapoint: ColumnValues;

  beforeAll(async () => {
    document = await fixtures.insert(tenantA, "loan_documents");
    loan = await fixtures.read(tenantA, "loan_candidates", document.loan_id);
    const left = await fixtures.insert(tenantA, "loan_datapoints", {
      loan_id: loan.id,
      evidence_doc_id: document.id,
    });
    tape = await fixtures.insert(tenantA, "imports");
    tapeDatapoint = await fixtures.insert(tenantA, "loan_datapoints", {
      loan_id: loan.id,
      source: "tape",
      confidence: null,
      evidence_doc_id: null,
      evidence_page: null,
      evidence_text_hash: null,
      extractor_kind: null,
      extractor_version: null,
      import_id: tape.id,
      import_row_number: 1,
    });
    conflict = await fixtures.insert(tenantA, "loan_conflicts", {
      loan_id: loan.id,
      kind: "tape_document",
      left_datapoint_id: tapeDatapoint.id,
      right_datapoint_id: left.id,
    });
    defect = await fixtures.insert(tenantA, "qc_defects", { loan_id: loan.id });

    expect(await deleteAs(tenantA, "loan_candidates", loan.id)).toBe(1);
  });

  it("removes its documents, datapoints, conflicts and defects", async () => {
    expect(await countAs(tenantA, "loan_documents", "loan_id", loan.id)).toBe(0);
    expect(await countAs(tenantA, "loan_datapoints", "loan_id", loan.id)).toBe(0);
    expect(await countAs(tenantA, "loan_conflicts", "id", conflict.id)).toBe(0);
    expect(await countAs(tenantA, "qc_defects", "id", defect.id)).toBe(0);
  });

  it("keeps its audit trail", async () => {
    const audits = await t.db.tenant(tenantA, (tx) =>
      tx.execute<{ table_name: string; action: string }>(sql`
        select table_name, action::text as action from audits
        where row_id in (${String(loan.id)}::uuid, ${String(document.id)}::uuid)
        order by table_name, action`),
    );
    expect(audits).toEqual([
      { table_name: "loan_candidates", action: "delete" },
      { table_name: "loan_candidates", action: "insert" },
      { table_name: "loan_documents", action: "delete" },
      { table_name: "loan_documents", action: "insert" },
    ]);
  });

  it("keeps the import its tape datapoint came from", async () => {
    expect(await countAs(tenantA, "imports", "id", tape.id)).toBe(1);
  });

  it("is invisible to another tenant", async () => {
    const other = await fixtures.insert(tenantA, "loan_candidates");
    expect(await deleteAs(tenantB, "loan_candidates", other.id)).toBe(0);
    expect(await countAs(tenantA, "loan_candidates", "id", other.id)).toBe(1);
  });
});

describe("deleting an import", () => {
  it("removes its errors, mappings and tape datapoints", async () => {
    const tape = await fixtures.insert(tenantA, "imports");
    const error = await fixtures.insert(tenantA, "import_errors", { import_id: tape.id });
    const mapping = await fixtures.insert(tenantA, "import_mappings", { import_id: tape.id });
    const loan = await fixtures.insert(tenantA, "loan_candidates");
    const datapoint = await fixtures.insert(tenantA, "loan_datapoints", {
      loan_id: loan.id,
      source: "tape",
      confidence: null,
      evidence_doc_id: null,
      evidence_page: null,
      evidence_text_hash: null,
      extractor_kind: null,
      extractor_version: null,
      import_id: tape.id,
      import_row_number: 2,
    });

    expect(await deleteAs(tenantA, "imports", tape.id)).toBe(1);

    expect(await countAs(tenantA, "import_errors", "id", error.id)).toBe(0);
    expect(await countAs(tenantA, "import_mappings", "id", mapping.id)).toBe(0);
    expect(await countAs(tenantA, "loan_datapoints", "id", datapoint.id)).toBe(0);
    expect(await countAs(tenantA, "loan_candidates", "id", loan.id)).toBe(1);
  });
});

describe("deleting a QC rule", () => {
  it("is rejected while the rule has defects", async () => {
    const defect = await fixtures.insert(tenantA, "qc_defects");
    const failure = await captureSqlError(deleteAs(tenantA, "qc_rules", defect.rule_id));
    expect(RESTRICT_REFUSALS).toContain(failure.code);
    expect(failure.constraint).toBe("qc_defects_rule_fkey");
    expect(await countAs(tenantA, "qc_rules", "id", defect.rule_id)).toBe(1);
  });

  it("retires a rule that has defects", async () => {
    const defect = await fixtures.insert(tenantA, "qc_defects");
    const retire = updateRowSql("qc_rules", defect.rule_id, {
      status: "retired",
      retired_at: new Date().toISOString(),
    });
    const result = await t.db.tenant(tenantA, (tx) => tx.execute(retire));
    expect(result.count).toBe(1);
  });

  it("deletes a rule without defects", async () => {
    const rule = await fixtures.insert(tenantA, "qc_rules");
    expect(await deleteAs(tenantA, "qc_rules", rule.id)).toBe(1);
  });

  describe("a global rule", () => {
    let globalRule: ColumnValues;

    beforeAll(async () => {
      const admin = openTestConnection(t.adminUrl);
      try {
        const rows = await admin.execute<{ row: ColumnValues }>(
          insertRowSql("qc_rules", {
            tenant_id: GLOBAL_TENANT_ID,
            code: `GLOBAL-${randomUUID()}`,
            name: "DTI within limit",
            definition: { field: "debt_to_income_ratio", op: "lte", value: 50 },
            severity: "warning",
            message: "Debt-to-income ratio above 50%",
          }),
        );
        globalRule = rows[0]!.row;
      } finally {
        await admin.close();
      }
      await fixtures.insert(tenantA, "qc_defects", {
        rule_tenant_id: GLOBAL_TENANT_ID,
        rule_id: globalRule.id,
      });
    });

    it("cannot be deleted or changed by any tenant", async () => {
      for (const tenant of [tenantA, tenantB]) {
        expect(await deleteAs(tenant, "qc_rules", globalRule.id)).toBe(0);
        const retire = updateRowSql("qc_rules", globalRule.id, { status: "retired" });
        const result = await t.db.tenant(tenant, (tx) => tx.execute(retire));
        expect(result.count).toBe(0);
      }
      expect(await countAs(tenantA, "qc_rules", "id", globalRule.id)).toBe(1);
    });

    it("cannot be deleted by the owner while it has defects", async () => {
      const admin = openTestConnection(t.adminUrl);
      try {
        const failure = await captureSqlError(admin.execute(deleteWhereSql("qc_rules", "id", globalRule.id)));
        expect(RESTRICT_REFUSALS).toContain(failure.code);
        expect(failure.constraint).toBe("qc_defects_rule_fkey");
      } finally {
        await admin.close();
      }
    });
  });
});
