// One call from uploaded bytes to datapoints: validate the PDF, read its
// text layer, recognise the form and run an extractor. A PDF without any
// text (a scan) comes back as `needs_ocr` with no datapoints; nothing is
// guessed from it.
import { deterministicExtractor } from "./deterministic/index.ts";
import { detectDocumentType, type DocumentType } from "./document-type.ts";
import {
  assertValidExtraction,
  assertValidExtractor,
  type ExtractedDatapoint,
  type Extractor,
} from "./extractor.ts";
import { readPdfText, type PdfReadOptions } from "./pdf.ts";
import { isTextLayerEmpty, pagesWithoutText } from "./text-layer.ts";

export interface ExtractDocumentOptions extends PdfReadOptions {
  /** Defaults to the deterministic extractor. */
  extractor?: Extractor;
}

export interface DocumentExtraction {
  status: "extracted" | "needs_ocr";
  documentType: DocumentType;
  pageCount: number;
  /** 1-based pages without any text; all of them when `needs_ocr`. */
  pagesWithoutText: number[];
  extractor: Pick<Extractor, "kind" | "version" | "promptVersion">;
  datapoints: ExtractedDatapoint[];
}

/**
 * Extracts datapoints from a PDF. Throws a PdfInputError subclass for bytes
 * that are not a readable PDF, InvalidExtractorError or
 * InvalidDatapointError when the extractor breaks the lineage rules.
 */
export async function extractDocument(
  bytes: Uint8Array,
  options: ExtractDocumentOptions,
): Promise<DocumentExtraction> {
  const extractor = options.extractor ?? deterministicExtractor;
  assertValidExtractor(extractor);

  const layer = await readPdfText(bytes, options);
  const result = {
    pageCount: layer.pageCount,
    pagesWithoutText: pagesWithoutText(layer),
    extractor: {
      kind: extractor.kind,
      version: extractor.version,
      promptVersion: extractor.promptVersion,
    },
  };
  if (isTextLayerEmpty(layer)) {
    return {
      ...result,
      status: "needs_ocr",
      documentType: "unknown",
      datapoints: [],
    };
  }

  const document = { ...layer, documentType: detectDocumentType(layer) };
  const datapoints = await extractor.extract(document);
  assertValidExtraction(extractor, document, datapoints);
  return {
    ...result,
    status: "extracted",
    documentType: document.documentType,
    datapoints,
  };
}
