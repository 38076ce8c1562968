// Evidence from loan documents: upload and extraction with lineage,
// conflicts between tape and documents, and QC rules with their defects.
// Every function runs inside db.tenant(...) for one tenant.
export * from "./errors.ts";
export {
  uploadDocument,
  type UploadDocumentInput,
  type UploadedDocument,
} from "./documents/upload-document.ts";
export {
  getDocument,
  listDocuments,
  type DocumentDetail,
  type DocumentSummary,
  type ExtractedDatapointRecord,
} from "./documents/read-documents.ts";
export {
  extractStoredDocument,
  type DocumentExtractionSummary,
  type ExtractStoredDocumentOptions,
} from "./documents/extract-stored-document.ts";
export { detectConflicts, type ConflictChanges } from "./conflicts/detect-conflicts.ts";
export {
  listConflicts,
  reviewConflict,
  type ConflictRecord,
} from "./conflicts/review-conflict.ts";
export { valuesAgree, documentComparisonKey } from "./conflicts/tolerance.ts";
export {
  ruleDefinitionSchema,
  describeDefinitionProblems,
  type RuleDefinition,
} from "./qc/rule-definition.ts";
export { evaluateRule, type RuleOutcome, type EvaluatedDatapoint } from "./qc/evaluate-rule.ts";
export { runQc, type QcRunResult } from "./qc/run-qc.ts";
export { createRule, listRules, retireRule, type NewRule, type RuleRecord } from "./qc/rules.ts";
export { listDefects, type DefectRecord } from "./qc/read-defects.ts";
export {
  evaluateLoan,
  evaluateImportedLoans,
  type ImportEvaluation,
  type LoanEvaluation,
} from "./evaluate-loan.ts";
