// PostgreSQL enum types for statuses and kinds.
import { pgEnum } from "drizzle-orm/pg-core";

export const importFormat = pgEnum("import_format", ["hmda", "csv"]);

export const importStatus = pgEnum("import_status", [
  "pending",
  "processing",
  "completed",
  "failed",
]);

export const documentStatus = pgEnum("document_status", [
  "pending",
  "extracted",
  "needs_ocr",
  "failed",
]);

export const datapointSource = pgEnum("datapoint_source", [
  "extraction",
  "tape",
  "manual",
]);

/** A deterministic extractor has no prompt; a model-based one must name its prompt version. */
export const extractorKind = pgEnum("extractor_kind", ["deterministic", "model"]);

export const conflictKind = pgEnum("conflict_kind", [
  "tape_document",
  "document_document",
]);

export const conflictStatus = pgEnum("conflict_status", [
  "open",
  "resolved",
  "waived",
]);

export const ruleSeverity = pgEnum("rule_severity", ["info", "warning", "critical"]);

export const ruleStatus = pgEnum("rule_status", ["active", "retired"]);

export const defectStatus = pgEnum("defect_status", ["open", "closed"]);

export const auditAction = pgEnum("audit_action", ["insert", "update", "delete"]);

export const outboxStatus = pgEnum("outbox_status", [
  "pending",
  "processing",
  "done",
  "dead",
]);

export const webhookDeliveryStatus = pgEnum("webhook_delivery_status", [
  "delivered",
  "failed",
]);
