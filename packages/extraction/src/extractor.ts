// The contract between a document's text layer and the datapoints stored
// from it. The database requires a prompt version exactly when the
// extractor is model-based. The types below require the same, and
// `assertValidExtractor` checks it at run time for extractors built in
// plain JavaScript.
import { createHash } from "node:crypto";
import { canonicalize, FIELDS } from "@tapeline/core/fields";
import type { DocumentType } from "./document-type.ts";
import { InvalidDatapointError, InvalidExtractorError } from "./errors.ts";
import type { PdfTextLayer } from "./text-layer.ts";

/** A document ready for extraction: its text layer and detected type. */
export interface ExtractableDocument extends PdfTextLayer {
  documentType: DocumentType;
}

export interface ExtractedDatapoint {
  /** Field key from the canonical field dictionary. */
  key: string;
  /** Canonical text form, as `canonicalize(key, raw).value` returns it. */
  value: string;
  /** Canonical number for numeric fields, else null. */
  valueNumber: string | null;
  /** 1-based page the evidence is on. */
  page: number;
  /** The text the value was read from. */
  evidenceText: string;
  /** SHA-256 of `evidenceText` (UTF-8), lower-case hex. */
  evidenceTextHash: string;
  /** Score in [0, 1], at most 4 decimals, for the way the value was found. */
  confidence: number;
}

interface ExtractorBase {
  /** Stored on every datapoint; change it whenever the output can change. */
  version: string;
  /** May return a promise, so callers always `await` the result. */
  extract(
    document: ExtractableDocument,
  ): ExtractedDatapoint[] | Promise<ExtractedDatapoint[]>;
}

export interface DeterministicExtractor extends ExtractorBase {
  kind: "deterministic";
  promptVersion: null;
}

export interface ModelExtractor extends ExtractorBase {
  kind: "model";
  /** Version of the prompt sent to the model; required for model output. */
  promptVersion: string;
}

export type Extractor = DeterministicExtractor | ModelExtractor;

/** SHA-256 of the UTF-8 bytes of `text`, lower-case hex. */
export function hashEvidence(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Clamps to [0, 1] and rounds to the 4 decimals the database stores. */
export function roundConfidence(confidence: number): number {
  const clamped = Math.min(1, Math.max(0, confidence));
  return Math.round(clamped * 10_000) / 10_000;
}

/**
 * Throws InvalidExtractorError for an extractor without a version, a model
 * extractor without a prompt version, or a deterministic one with one.
 */
export function assertValidExtractor(extractor: Extractor): void {
  // Read as unknown: objects built in plain JavaScript skip the types.
  const { kind, version } = extractor;
  const promptVersion: unknown = extractor.promptVersion;
  if (typeof version !== "string" || version.trim() === "") {
    throw new InvalidExtractorError("its version is empty");
  }
  if (
    kind === "model" &&
    !(typeof promptVersion === "string" && promptVersion.trim())
  ) {
    throw new InvalidExtractorError(
      `model extractor ${version} has no prompt version; set ` +
        "promptVersion to the version of the prompt it sends",
    );
  }
  if (kind === "deterministic" && promptVersion !== null) {
    throw new InvalidExtractorError(
      `deterministic extractor ${version} has a prompt version; ` +
        "set promptVersion to null",
    );
  }
}

/**
 * Throws InvalidDatapointError for the first datapoint that the database
 * would reject or whose lineage does not hold. The checks: a known key, a
 * canonical value, a page inside the document, a hash of the evidence, a
 * confidence in [0, 1], and one datapoint per key.
 */
export function assertValidExtraction(
  extractor: Extractor,
  document: ExtractableDocument,
  datapoints: readonly ExtractedDatapoint[],
): void {
  const seen = new Set<string>();
  for (const datapoint of datapoints) {
    const problem = findProblem(datapoint, document.pageCount, seen);
    if (problem) {
      throw new InvalidDatapointError(
        extractor.version,
        datapoint.key,
        problem,
      );
    }
    seen.add(datapoint.key);
  }
}

function findProblem(
  datapoint: ExtractedDatapoint,
  pageCount: number,
  seen: ReadonlySet<string>,
): string | null {
  const { key, page, confidence } = datapoint;
  if (!FIELDS.has(key)) return "the key is not in the field dictionary";
  if (seen.has(key)) return "the key occurs twice in one document";

  let canonical;
  try {
    canonical = canonicalize(key, datapoint.value);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const [given, expected] = [datapoint.value, canonical.value];
  if (expected !== given) {
    const quoted = JSON.stringify(given);
    return `value ${quoted} is not canonical (expected ${JSON.stringify(expected)})`;
  }
  if (canonical.valueNumber !== datapoint.valueNumber) {
    const quoted = JSON.stringify(datapoint.valueNumber);
    return `valueNumber ${quoted} does not match the value`;
  }

  if (!Number.isInteger(page) || page < 1 || page > pageCount) {
    return `page ${page} is outside 1..${pageCount}`;
  }
  if (datapoint.evidenceText.trim() === "") return "the evidence text is empty";
  if (datapoint.evidenceTextHash !== hashEvidence(datapoint.evidenceText)) {
    return "evidenceTextHash is not the SHA-256 of evidenceText";
  }
  if (!(confidence >= 0 && confidence <= 1)) {
    return `confidence ${confidence} is outside [0, 1]`;
  }
  if (roundConfidence(confidence) !== confidence) {
    return `confidence ${confidence} has more than 4 decimals`;
  }
  return null;
}
