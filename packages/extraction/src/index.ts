// Reading loan documents: PDF validation, the text layer, form detection
// and datapoint extraction with evidence. No database access here; callers
// store the results inside their tenant transaction.
export * from "./errors.ts";
export {
  inspectPdf,
  readPdfText,
  type PdfInspection,
  type PdfReadOptions,
} from "./pdf.ts";
export {
  groupIntoLines,
  isTextLayerEmpty,
  pagesWithoutText,
  type PdfPageText,
  type PdfTextLayer,
  type PositionedText,
  type TextLine,
  type TextRun,
} from "./text-layer.ts";
export { detectDocumentType, type DocumentType } from "./document-type.ts";
export {
  assertValidExtraction,
  assertValidExtractor,
  hashEvidence,
  roundConfidence,
  type DeterministicExtractor,
  type ExtractableDocument,
  type ExtractedDatapoint,
  type Extractor,
  type ModelExtractor,
} from "./extractor.ts";
export {
  CONFIDENCE,
  DETERMINISTIC_EXTRACTOR_VERSION,
  deterministicExtractor,
  extractWithRules,
  FIELD_RULES,
  type FieldRule,
} from "./deterministic/index.ts";
export {
  extractDocument,
  type DocumentExtraction,
  type ExtractDocumentOptions,
} from "./extract-document.ts";
