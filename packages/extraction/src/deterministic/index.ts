// The rule-based extractor for the TRID disclosure forms. It reads only
// Loan Estimates and Closing Disclosures; any other document yields no
// datapoints, because its labels mean something else or nothing at all.
import type {
  DeterministicExtractor,
  ExtractableDocument,
  ExtractedDatapoint,
} from "../extractor.ts";
import { findCandidates } from "./candidates.ts";
import { FIELD_RULES, type FieldRule } from "./rules.ts";
import { selectDatapoint } from "./select.ts";

export { FIELD_RULES, type FieldRule } from "./rules.ts";
export { CONFIDENCE } from "./select.ts";
export { findCandidates, type Candidate } from "./candidates.ts";

/** Change on every change to the rules, parsers or scores. */
export const DETERMINISTIC_EXTRACTOR_VERSION = "rules-2026.12.0";

/** Applies `rules` to every page; one datapoint at most per rule. */
export function extractWithRules(
  document: ExtractableDocument,
  rules: readonly FieldRule[] = FIELD_RULES,
): ExtractedDatapoint[] {
  const datapoints: ExtractedDatapoint[] = [];
  for (const rule of rules) {
    if (!rule.documentTypes.includes(document.documentType)) continue;
    const candidates = document.pages.flatMap((page) =>
      findCandidates(rule, page),
    );
    const datapoint = selectDatapoint(candidates, {
      reconcileGluedRuns: rule.reconcileGluedRuns,
    });
    if (datapoint) datapoints.push(datapoint);
  }
  return datapoints;
}

export const deterministicExtractor: DeterministicExtractor = {
  kind: "deterministic",
  version: DETERMINISTIC_EXTRACTOR_VERSION,
  promptVersion: null,
  extract: (document) => extractWithRules(document),
};
