// docs/erd.md is generated from the catalog; this test regenerates it from
// a freshly migrated database so the committed file cannot fall behind the
// migrations.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { generateErd } from "@tapeline/db/check";
import { useTestDatabase } from "./database.ts";

const t = useTestDatabase();
const erdFile = path.resolve(import.meta.dirname, "../../../docs/erd.md");

describe("docs/erd.md", () => {
  it("matches the migrated schema", async () => {
    const generated = await generateErd(t.adminUrl);
    const committed = await readFile(erdFile, "utf8");
    expect(committed, "docs/erd.md is out of date: run pnpm db:erd and commit it").toBe(generated);
  });

  it("draws every table and foreign key", async () => {
    const generated = await generateErd(t.adminUrl);
    expect(generated).toMatch(/^erDiagram$/m);
    expect(generated).toContain("    loan_datapoints {");
    expect(generated).toContain("        uuid tenant_id PK, FK");
    expect(generated).toContain('        numeric confidence "numeric(5,4), nullable"');
    expect(generated).toContain(
      '    qc_rules ||--o{ qc_defects : "rule_tenant_id, rule_id (on delete restrict)"',
    );
    expect(generated).toContain(
      '    loan_documents |o--o{ loan_datapoints : "tenant_id, loan_id, evidence_doc_id (on delete cascade)"',
    );
  });
});
