// Chooses one value per field from its candidates and scores how it was
// found. The choice is deterministic: the value most candidates agree on,
// then the best-found candidate, then the earliest on the page.
import { canonicalize } from "@tapeline/core/fields";
import {
  hashEvidence,
  roundConfidence,
  type ExtractedDatapoint,
} from "../extractor.ts";
import type { Candidate } from "./candidates.ts";

/**
 * Confidence by the way a value was found. A value on its label's line is
 * the form's layout working as designed. One on a neighbouring line might
 * belong to the next row. A run that goes on after the value ("Purchase
 * ce"), or a value read out of a longer glued run, may be misread.
 */
export const CONFIDENCE = {
  sameLine: 0.95,
  neighbourLine: 0.8,
  trailingTextPenalty: 0.1,
  gluedRun: 0.6,
} as const;

interface ScoredCandidate extends Candidate {
  score: number;
}

/**
 * Returns the datapoint for one key, or null without candidates. When the
 * candidates disagree, the confidence is multiplied by the share of
 * candidates that agree with the chosen value.
 */
export function selectDatapoint(
  candidates: readonly Candidate[],
  options: { reconcileGluedRuns?: boolean } = {},
): ExtractedDatapoint | null {
  let scored = candidates.map(scoreCandidate);
  if (options.reconcileGluedRuns) scored = reconcileGluedRuns(scored);

  const groups = groupByValue(scored);
  groups.sort(compareGroups);
  const chosen = groups[0];
  if (!chosen) return null;

  const best = chosen[0] as ScoredCandidate;
  const agreement = chosen.length / scored.length;
  return {
    key: best.key,
    value: best.value.value,
    valueNumber: best.value.valueNumber,
    page: best.page,
    evidenceText: best.evidenceText,
    evidenceTextHash: hashEvidence(best.evidenceText),
    confidence: roundConfidence(best.score * agreement),
  };
}

function scoreCandidate(candidate: Candidate): ScoredCandidate {
  const base =
    candidate.method === "same_line"
      ? CONFIDENCE.sameLine
      : CONFIDENCE.neighbourLine;
  const penalty = candidate.trailingText ? CONFIDENCE.trailingTextPenalty : 0;
  return { ...candidate, score: base - penalty };
}

/**
 * Reads a candidate whose value extends another candidate's value as that
 * shorter value: the Loan Estimate's header prints "123456789" and an
 * invisible "1330172608" as one text run, while its footer prints the ID
 * alone.
 * NOTE: a document with only the glued run (no footer) keeps the glued
 * value; pdf.js text items carry no fill colour to detect the hidden text.
 */
function reconcileGluedRuns(candidates: ScoredCandidate[]): ScoredCandidate[] {
  const values = candidates.map((candidate) => candidate.value.value);
  return candidates.map((candidate) => {
    const prefix = values
      .filter((value) => value.length < candidate.value.value.length)
      .filter((value) => candidate.value.value.startsWith(value))
      .sort((a, b) => b.length - a.length)[0];
    if (prefix === undefined) return candidate;
    const value = canonicalize(candidate.key, prefix);
    return {
      ...candidate,
      value,
      score: Math.min(candidate.score, CONFIDENCE.gluedRun),
    };
  });
}

/** Groups by canonical value; each group ordered best candidate first. */
function groupByValue(candidates: ScoredCandidate[]): ScoredCandidate[][] {
  const groups = new Map<string, ScoredCandidate[]>();
  for (const candidate of candidates) {
    const group = groups.get(candidate.value.value) ?? [];
    group.push(candidate);
    groups.set(candidate.value.value, group);
  }
  return [...groups.values()].map((group) => group.sort(compareCandidates));
}

function compareGroups(a: ScoredCandidate[], b: ScoredCandidate[]): number {
  const [bestA, bestB] = [a[0] as ScoredCandidate, b[0] as ScoredCandidate];
  return (
    b.length - a.length ||
    compareCandidates(bestA, bestB) ||
    bestA.value.value.localeCompare(bestB.value.value)
  );
}

function compareCandidates(a: ScoredCandidate, b: ScoredCandidate): number {
  return b.score - a.score || a.page - b.page || b.y - a.y || a.x - b.x;
}
