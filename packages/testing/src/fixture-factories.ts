// One factory per tenant table: the column values of a valid new row, with
// its parent rows inserted first. The isolation suite looks tables up here
// by the names it reads from pg_catalog, so a new tenant table without an
// entry fails the suite until one is added.
import { randomBytes, randomUUID } from "node:crypto";
import { sha256Hex } from "@tapeline/db";
import type { ColumnValues } from "./row-sql.ts";

export interface FixtureContext {
  tenantId: string;
  /** Inserts a new row of `table` for this tenant (its factory's values plus `overrides`). */
  insert(table: string, overrides?: ColumnValues): Promise<ColumnValues>;
  /** Reads this tenant's row of `table` with the given id. */
  read(table: string, id: unknown): Promise<ColumnValues>;
}

export type FixtureFactory =
  /** Rows the application role inserts: `build` returns everything but tenant_id. */
  | { kind: "insert"; build(context: FixtureContext): Promise<ColumnValues> }
  /** Rows only system functions create (tenants): `existing` returns the tenant's own row. */
  | { kind: "provisioned"; existing(context: FixtureContext): Promise<ColumnValues> };

const randomHex = (bytes: number) => randomBytes(bytes).toString("hex");
const suffix = () => randomHex(4);

export const fixtureFactories: Record<string, FixtureFactory> = {
  tenants: {
    kind: "provisioned",
    existing: (context) => context.read("tenants", context.tenantId),
  },

  imports: {
    kind: "insert",
    build: async () => ({
      format: "hmda",
      file_name: `tape-${suffix()}.txt`,
      file_sha256: randomHex(32),
      file_size_bytes: 2048,
      storage_key: `imports/${randomUUID()}`,
      created_by: "fixture",
    }),
  },

  import_errors: {
    kind: "insert",
    build: async (context) => {
      const tape = await context.insert("imports");
      return {
        import_id: tape.id,
        row_number: 2,
        column_name: "loan_amount",
        code: "INVALID_NUMBER",
        reason: "not a number",
      };
    },
  },

  import_mappings: {
    kind: "insert",
    build: async (context) => {
      const tape = await context.insert("imports", { format: "csv" });
      return {
        import_id: tape.id,
        source_column: "Loan Amount",
        field_key: `loan_amount_${suffix()}`,
        position: 0,
      };
    },
  },

  loan_candidates: {
    kind: "insert",
    build: async () => ({ loan_number: `LOAN-${suffix()}` }),
  },

  loan_documents: {
    kind: "insert",
    build: async (context) => {
      const loan = await context.insert("loan_candidates");
      return {
        loan_id: loan.id,
        file_name: "closing-disclosure.pdf",
        content_sha256: randomHex(32),
        size_bytes: 4096,
        page_count: 5,
        storage_key: `documents/${randomUUID()}`,
        created_by: "fixture",
      };
    },
  },

  loan_datapoints: {
    kind: "insert",
    build: async (context) => {
      const document = await context.insert("loan_documents");
      return extractionDatapoint(document, `rules-${suffix()}`);
    },
  },

  loan_conflicts: {
    kind: "insert",
    build: async (context) => {
      const document = await context.insert("loan_documents");
      const left = await context.insert("loan_datapoints", extractionDatapoint(document, "rules-1"));
      const right = await context.insert("loan_datapoints", {
        ...extractionDatapoint(document, "rules-2"),
        value: "260000",
      });
      return {
        loan_id: document.loan_id,
        key: "loan_amount",
        kind: "document_document",
        left_datapoint_id: left.id,
        right_datapoint_id: right.id,
        left_value: left.value,
        right_value: right.value,
      };
    },
  },

  qc_rules: {
    kind: "insert",
    build: async () => ({
      code: `RULE-${suffix()}`,
      name: "Loan amount present",
      definition: { field: "loan_amount", op: "present" },
      severity: "warning",
      message: "Loan amount is missing",
    }),
  },

  qc_defects: {
    kind: "insert",
    build: async (context) => {
      const loan = await context.insert("loan_candidates");
      const rule = await context.insert("qc_rules");
      return {
        loan_id: loan.id,
        rule_tenant_id: context.tenantId,
        rule_id: rule.id,
        severity: "warning",
        message: "Loan amount is missing",
      };
    },
  },

  audits: {
    kind: "insert",
    build: async () => ({
      actor: "fixture",
      action: "insert",
      table_name: "loan_candidates",
      row_id: randomUUID(),
      after: { loan_number: "LOAN-1" },
    }),
  },

  event_outbox: {
    kind: "insert",
    build: async () => ({
      type: "fixture.created",
      aggregate_type: "fixture",
      aggregate_id: randomUUID(),
      payload: {},
    }),
  },

  monitoring_events: {
    kind: "insert",
    build: async () => ({ kind: "metric", name: "fixture.count", value: 1 }),
  },

  webhook_subscribers: {
    kind: "insert",
    build: async () => ({
      url: `https://hooks.example.com/${suffix()}`,
      secret: randomHex(32),
      event_types: ["*"],
      created_by: "fixture",
    }),
  },

  webhook_deliveries: {
    kind: "insert",
    build: async (context) => {
      const subscriber = await context.insert("webhook_subscribers");
      const event = await context.insert("event_outbox");
      return {
        subscriber_id: subscriber.id,
        event_id: event.id,
        status: "delivered",
        last_status_code: 204,
        delivered_at: new Date().toISOString(),
      };
    },
  },
};

function extractionDatapoint(document: ColumnValues, extractorVersion: string): ColumnValues {
  return {
    loan_id: document.loan_id,
    key: "loan_amount",
    source: "extraction",
    value: "250000",
    value_number: 250000,
    confidence: 0.97,
    evidence_doc_id: document.id,
    evidence_page: 1,
    evidence_text_hash: sha256Hex("Loan Amount $250,000"),
    evidence_text: "Loan Amount $250,000",
    extractor_kind: "deterministic",
    extractor_version: extractorVersion,
  };
}

/** Tables read from the catalog that have no factory, each with what to add. */
export function missingFactories(
  tableNames: readonly string[],
  factories: Record<string, FixtureFactory> = fixtureFactories,
): string[] {
  return tableNames
    .filter((name) => !(name in factories))
    .map(
      (name) =>
        `Tenant table ${name} has no fixture factory: add a "${name}" entry to ` +
        `fixtureFactories in packages/testing/src/fixture-factories.ts that returns ` +
        `the column values of one valid ${name} row (inserting its parents through ` +
        `context.insert), so the isolation suite can probe it.`,
    );
}
