// Finds every place on a page where a field rule's label is followed by a
// value. The value is on the label's own line, or, for a label alone in
// its run, on a line a few points above or below it. The Loan Estimate
// sets its 14 pt rate 3 pt below the 10 pt "Interest Rate" label.
import {
  canonicalize,
  InvalidFieldValueError,
  type CanonicalValue,
} from "@tapeline/core/fields";
import type { PdfPageText, TextLine, TextRun } from "../text-layer.ts";
import type { FieldRule } from "./rules.ts";

export type FindMethod = "same_line" | "neighbour_line";

export interface Candidate {
  key: string;
  value: CanonicalValue;
  page: number;
  /** Baseline of the label's line, for a stable top-to-bottom order. */
  y: number;
  /** Left edge of the label. */
  x: number;
  method: FindMethod;
  /** The value's run goes on after the value ("Purchase ce"). */
  trailingText: boolean;
  evidenceText: string;
}

interface LabelMatch {
  line: TextLine;
  run: TextRun;
  start: number;
  end: number;
}

const SEPARATORS = /^[\s:#]*/;

/** Returns the candidates for `rule` on `page`, top to bottom. */
export function findCandidates(
  rule: FieldRule,
  page: PdfPageText,
): Candidate[] {
  const candidates: Candidate[] = [];
  for (const label of findLabels(rule, page)) {
    const candidate =
      readSameLine(rule, page, label) ?? readNeighbourLine(rule, page, label);
    if (candidate) candidates.push(candidate);
  }
  return candidates;
}

function findLabels(rule: FieldRule, page: PdfPageText): LabelMatch[] {
  const labels: LabelMatch[] = [];
  for (const line of page.lines) {
    for (const run of line.runs) {
      if (run.start === run.end) continue;
      const match = matchLabelAt(rule, line.text, run.start);
      if (match) labels.push({ line, run, ...match });
    }
  }
  return labels;
}

function matchLabelAt(rule: FieldRule, text: string, offset: number) {
  for (const pattern of rule.labels) {
    pattern.lastIndex = offset;
    const match = pattern.exec(text);
    if (match) return { start: offset, end: offset + match[0].length };
  }
  return null;
}

function readSameLine(
  rule: FieldRule,
  page: PdfPageText,
  label: LabelMatch,
): Candidate | null {
  const { line } = label;
  const separators = SEPARATORS.exec(line.text.slice(label.end))?.[0] ?? "";
  const restStart = label.end + separators.length;
  const valueRun = line.runs.find(
    (run) => run.end > restStart && run.start < run.end,
  );
  if (!valueRun) return null;

  const rest = line.text.slice(restStart);
  const runRest = line.text.slice(restStart, valueRun.end);
  const parsed = rule.parse(rest, runRest);
  const value = parsed && canonicalOrNull(rule.key, parsed.raw);
  if (!parsed || !value) return null;

  const valueEnd = restStart + parsed.end;
  return {
    key: rule.key,
    value,
    page: page.pageNumber,
    y: line.y,
    x: label.run.x,
    method: "same_line",
    trailingText: hasTrailingText(line, valueEnd),
    evidenceText: line.text.slice(label.start, valueEnd),
  };
}

function readNeighbourLine(
  rule: FieldRule,
  page: PdfPageText,
  label: LabelMatch,
): Candidate | null {
  const { line, run: labelRun } = label;
  const afterLabel = line.text.slice(label.end, labelRun.end);
  if (!/^[\s:#]*$/.test(afterLabel)) return null;

  const labelRight = labelRun.x + labelRun.width;
  const neighbours = page.lines
    .filter((other) => other !== line)
    .map((other) => ({ other, distance: Math.abs(other.y - labelRun.y) }))
    .filter(({ distance }) => distance > 0 && distance <= labelRun.height)
    .sort((a, b) => a.distance - b.distance || a.other.y - b.other.y);

  for (const { other } of neighbours) {
    const valueRun = other.runs.find(
      (run) => run.start < run.end && run.x >= labelRight,
    );
    if (!valueRun) continue;

    const rest = other.text.slice(valueRun.start);
    const parsed = rule.parse(
      rest,
      other.text.slice(valueRun.start, valueRun.end),
    );
    const value = parsed && canonicalOrNull(rule.key, parsed.raw);
    if (!parsed || !value) continue;

    const [upper, lower] = other.y > line.y ? [other, line] : [line, other];
    return {
      key: rule.key,
      value,
      page: page.pageNumber,
      y: line.y,
      x: labelRun.x,
      method: "neighbour_line",
      trailingText: hasTrailingText(other, valueRun.start + parsed.end),
      evidenceText: `${upper.text}\n${lower.text}`,
    };
  }
  return null;
}

/** Canonicalises `raw`, or returns null for a value such as 2/30/2013. */
function canonicalOrNull(key: string, raw: string): CanonicalValue | null {
  try {
    return canonicalize(key, raw);
  } catch (error) {
    if (error instanceof InvalidFieldValueError) return null;
    throw error;
  }
}

function hasTrailingText(line: TextLine, valueEnd: number): boolean {
  const run = line.runs.find(
    (candidate) => candidate.start < valueEnd && valueEnd <= candidate.end,
  );
  return run !== undefined && line.text.slice(valueEnd, run.end).trim() !== "";
}
