import { describe, expect, it } from "vitest";
import { evaluateRule, type EvaluatedDatapoint } from "./evaluate-rule.ts";
import { describeDefinitionProblems, ruleDefinitionSchema } from "./rule-definition.ts";

function point(key: string, value: string, extra: Partial<EvaluatedDatapoint> = {}) {
  const numeric = /^-?\d+(\.\d+)?$/.test(value) ? value : null;
  return { id: `${key}-${value}`, key, source: "tape", value, valueNumber: numeric, confidence: null, ...extra } as EvaluatedDatapoint;
}

describe("rule definitions", () => {
  it("accepts each kind of check", () => {
    const valid = [
      { field: "loan_amount", check: "present" },
      { field: "interest_rate", check: "range", min: 0.5, max: 15 },
      { field: "loan_amount", check: "compare", op: "gt", value: 0 },
      { field: "loan_term_months", check: "one_of", values: ["360"] },
      { check: "min_confidence", threshold: 0.7 },
      { field: "combined_loan_to_value", check: "present", when: { field: "loan_purpose", equals: "purchase" } },
    ];
    for (const definition of valid) expect(describeDefinitionProblems(definition)).toBeNull();
  });

  it("rejects an unknown field", () => {
    expect(describeDefinitionProblems({ field: "loan_colour", check: "present" })).toContain(
      'unknown field key "loan_colour"',
    );
  });

  it("rejects a range on a text field", () => {
    expect(describeDefinitionProblems({ field: "state", check: "range", min: 1 })).toContain(
      "needs a money, percent or integer field",
    );
  });

  it("rejects an empty or inverted range", () => {
    expect(describeDefinitionProblems({ field: "interest_rate", check: "range" })).toContain("min, max or both");
    expect(describeDefinitionProblems({ field: "interest_rate", check: "range", min: 9, max: 1 })).toContain(
      "min must not exceed max",
    );
  });

  it("rejects unknown properties", () => {
    expect(describeDefinitionProblems({ field: "loan_amount", check: "present", sql: "drop" })).not.toBeNull();
  });
});

describe("evaluateRule", () => {
  const parse = (value: unknown) => ruleDefinitionSchema.parse(value);

  it("fails a 106-month term", () => {
    const rule = parse({ field: "loan_term_months", check: "one_of", values: ["180", "360"] });
    const outcome = evaluateRule(rule, [point("loan_term_months", "106")]);
    expect(outcome.result).toBe("fail");
    expect(evaluateRule(rule, [point("loan_term_months", "360")]).result).toBe("pass");
    expect(evaluateRule(rule, []).result).toBe("not_applicable");
  });

  it("applies a when condition", () => {
    const rule = parse({
      field: "combined_loan_to_value",
      check: "present",
      when: { field: "loan_purpose", equals: "purchase" },
    });
    expect(evaluateRule(rule, [point("loan_purpose", "purchase")]).result).toBe("fail");
    expect(evaluateRule(rule, [point("loan_purpose", "refinancing")]).result).toBe("not_applicable");
  });

  it("flags low-confidence extraction only", () => {
    const rule = parse({ check: "min_confidence", threshold: 0.7 });
    const low = point("interest_rate", "4.000", { source: "extraction", confidence: "0.6000" });
    const high = point("loan_amount", "211000.00", { source: "extraction", confidence: "0.9500" });
    expect(evaluateRule(rule, [high]).result).toBe("pass");
    const outcome = evaluateRule(rule, [high, low]);
    expect(outcome.result).toBe("fail");
    expect(outcome.result === "fail" && outcome.details.datapoints).toHaveLength(1);
  });

  it("checks ranges on numeric values", () => {
    const rule = parse({ field: "interest_rate", check: "range", min: 0.5, max: 15 });
    expect(evaluateRule(rule, [point("interest_rate", "14.140")]).result).toBe("pass");
    expect(evaluateRule(rule, [point("interest_rate", "21.000")]).result).toBe("fail");
  });
});
