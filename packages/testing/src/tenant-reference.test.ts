// loan_datapoints, import_errors and webhook_deliveries have no foreign key
// of their own from tenant_id to tenants: their composite keys to
// loan_candidates, imports and webhook_subscribers carry the tenant. These tests prove that a row of an unknown tenant, or
// one pointing at another tenant's parent, is still rejected. They insert
// as the application role inside db.tenant(), so the tenant policies pass
// and only the foreign keys can reject the row.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { SqlState, sql } from "@tapeline/db";
import { useTestDatabase } from "./database.ts";
import { TableFixtures } from "./fixtures-by-table.ts";
import { createTenantPair } from "./fixtures.ts";
import { insertRowSql, type ColumnValues } from "./row-sql.ts";
import { captureSqlError } from "./sql-errors.ts";

const t = useTestDatabase();
let tenantA: string;
let tenantB: string;
let loanOfA: string;
let importOfA: string;
let subscriberOfA: string;
let eventOfA: string;

beforeAll(async () => {
  ({ tenantA, tenantB } = await createTenantPair(t.system));
  const fixtures = new TableFixtures(t.db);
  loanOfA = (await fixtures.insert(tenantA, "loan_candidates")).id as string;
  importOfA = (await fixtures.insert(tenantA, "imports")).id as string;
  subscriberOfA = (await fixtures.insert(tenantA, "webhook_subscribers")).id as string;
  eventOfA = (await fixtures.insert(tenantA, "event_outbox")).id as string;
});

const insertAs = (tenantId: string, table: string, values: ColumnValues) =>
  t.db.tenant(tenantId, (tx) => tx.execute(insertRowSql(table, { ...values, tenant_id: tenantId })));

const manualDatapoint = (loanId: string): ColumnValues => ({
  loan_id: loanId,
  key: "loan_amount",
  source: "manual",
  value: "250000",
  created_by: "reviewer@example.com",
});

const importError = (importId: string): ColumnValues => ({
  import_id: importId,
  row_number: 2,
  code: "INVALID_VALUE",
  reason: "loan_amount is not a number",
});

const delivery = (subscriberId: string, eventId: string): ColumnValues => ({
  subscriber_id: subscriberId,
  event_id: eventId,
  status: "delivered",
  last_status_code: 204,
});

const countRows = (tenantId: string, table: string) =>
  t.db.tenant(tenantId, async (tx) => {
    const rows = await tx.execute<{ count: number }>(
      sql`select count(*)::int as count from ${sql.identifier(table)}`,
    );
    return rows[0]!.count;
  });

describe("loan_datapoints tenant reference", () => {
  it("accepts a datapoint of the loan's tenant", async () => {
    await insertAs(tenantA, "loan_datapoints", manualDatapoint(loanOfA));

    expect(await countRows(tenantA, "loan_datapoints")).toBe(1);
  });

  it("rejects an unknown tenant", async () => {
    const unknownTenant = randomUUID();
    const error = await captureSqlError(
      insertAs(unknownTenant, "loan_datapoints", manualDatapoint(loanOfA)),
    );

    expect(error.code).toBe(SqlState.foreignKeyViolation);
    expect(error.constraint).toBe("loan_datapoints_loan_fkey");
  });

  it("rejects another tenant's loan", async () => {
    const error = await captureSqlError(
      insertAs(tenantB, "loan_datapoints", manualDatapoint(loanOfA)),
    );

    expect(error.code).toBe(SqlState.foreignKeyViolation);
    expect(error.constraint).toBe("loan_datapoints_loan_fkey");
    expect(await countRows(tenantB, "loan_datapoints")).toBe(0);
  });
});

describe("import_errors tenant reference", () => {
  it("accepts an error row of the import's tenant", async () => {
    await insertAs(tenantA, "import_errors", importError(importOfA));

    expect(await countRows(tenantA, "import_errors")).toBe(1);
  });

  it("rejects an unknown tenant", async () => {
    const unknownTenant = randomUUID();
    const error = await captureSqlError(
      insertAs(unknownTenant, "import_errors", importError(importOfA)),
    );

    expect(error.code).toBe(SqlState.foreignKeyViolation);
    expect(error.constraint).toBe("import_errors_import_fkey");
  });

  it("rejects another tenant's import", async () => {
    const error = await captureSqlError(
      insertAs(tenantB, "import_errors", importError(importOfA)),
    );

    expect(error.code).toBe(SqlState.foreignKeyViolation);
    expect(error.constraint).toBe("import_errors_import_fkey");
    expect(await countRows(tenantB, "import_errors")).toBe(0);
  });
});

describe("webhook_deliveries tenant reference", () => {
  it("accepts a delivery of the subscriber's tenant", async () => {
    await insertAs(tenantA, "webhook_deliveries", delivery(subscriberOfA, eventOfA));

    expect(await countRows(tenantA, "webhook_deliveries")).toBe(1);
  });

  it("rejects an unknown tenant", async () => {
    const unknownTenant = randomUUID();
    const error = await captureSqlError(
      insertAs(unknownTenant, "webhook_deliveries", delivery(subscriberOfA, eventOfA)),
    );

    expect(error.code).toBe(SqlState.foreignKeyViolation);
    expect(error.constraint).toBe("webhook_deliveries_subscriber_fkey");
  });

  it("rejects another tenant's subscriber", async () => {
    const error = await captureSqlError(
      insertAs(tenantB, "webhook_deliveries", delivery(subscriberOfA, eventOfA)),
    );

    expect(error.code).toBe(SqlState.foreignKeyViolation);
    expect(error.constraint).toBe("webhook_deliveries_subscriber_fkey");
    expect(await countRows(tenantB, "webhook_deliveries")).toBe(0);
  });
});
