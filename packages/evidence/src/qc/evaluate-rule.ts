// Applies one rule definition to a loan's datapoints. Pure: no database.
import type { RuleDefinition } from "./rule-definition.ts";

export interface EvaluatedDatapoint {
  id: string;
  key: string;
  source: "extraction" | "tape" | "manual";
  value: string;
  valueNumber: string | null;
  confidence: string | null;
}

export type RuleOutcome =
  | { result: "pass" }
  | { result: "not_applicable" }
  | { result: "fail"; details: Record<string, unknown> };

type Comparison = Extract<RuleDefinition, { check: "compare" }>["op"];

const COMPARISONS: Record<Comparison, (left: number, right: number) => boolean> = {
  gt: (left, right) => left > right,
  gte: (left, right) => left >= right,
  lt: (left, right) => left < right,
  lte: (left, right) => left <= right,
  eq: (left, right) => left === right,
  ne: (left, right) => left !== right,
};

function offending(points: readonly EvaluatedDatapoint[]) {
  return points.map((point) => ({
    datapointId: point.id,
    source: point.source,
    value: point.value,
    ...(point.confidence === null ? {} : { confidence: Number(point.confidence) }),
  }));
}

function failIfAny(field: string | undefined, failing: EvaluatedDatapoint[]): RuleOutcome {
  if (failing.length === 0) return { result: "pass" };
  return { result: "fail", details: { field, datapoints: offending(failing) } };
}

function violatesRange(value: number, min?: number, max?: number): boolean {
  return (min !== undefined && value < min) || (max !== undefined && value > max);
}

/**
 * Evaluates `rule` against all of a loan's datapoints. A value check (range,
 * compare, one_of) looks at every datapoint of the field, from any source,
 * and fails when one violates it; with no such datapoint, or no numeric
 * one for range and compare, the rule does not apply.
 */
export function evaluateRule(
  rule: RuleDefinition,
  datapoints: readonly EvaluatedDatapoint[],
): RuleOutcome {
  if (rule.check !== "min_confidence" && rule.when) {
    const { field, equals } = rule.when;
    const applies = datapoints.some((point) => point.key === field && point.value === equals);
    if (!applies) return { result: "not_applicable" };
  }

  const ofField = datapoints.filter((point) => !rule.field || point.key === rule.field);
  const numeric = ofField.filter((point) => point.valueNumber !== null);
  switch (rule.check) {
    case "present":
      return ofField.length > 0
        ? { result: "pass" }
        : { result: "fail", details: { field: rule.field, missing: true } };
    case "range":
      if (numeric.length === 0) return { result: "not_applicable" };
      return failIfAny(
        rule.field,
        numeric.filter((point) => violatesRange(Number(point.valueNumber), rule.min, rule.max)),
      );
    case "compare": {
      if (numeric.length === 0) return { result: "not_applicable" };
      const holds = COMPARISONS[rule.op];
      return failIfAny(
        rule.field,
        numeric.filter((point) => !holds(Number(point.valueNumber), rule.value)),
      );
    }
    case "one_of":
      if (ofField.length === 0) return { result: "not_applicable" };
      return failIfAny(
        rule.field,
        ofField.filter((point) => !rule.values.includes(point.value)),
      );
    case "min_confidence": {
      const extracted = ofField.filter((point) => point.source === "extraction");
      if (extracted.length === 0) return { result: "not_applicable" };
      return failIfAny(
        rule.field,
        extracted.filter((point) => Number(point.confidence) < rule.threshold),
      );
    }
  }
}
