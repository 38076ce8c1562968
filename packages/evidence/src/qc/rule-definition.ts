// The declarative form of a QC rule, stored in qc_rules.definition. A rule
// names a field and one check: present, a numeric range, a comparison with
// a number, membership in a list of canonical values, or a minimum
// extraction confidence. An optional `when` limits the rule to loans where
// another field has a given canonical value.
import { FIELDS, type FieldType } from "@tapeline/core/fields";
import { z } from "zod";

const NUMERIC_TYPES: ReadonlySet<FieldType> = new Set(["money", "percent", "integer"]);

const fieldKey = z.string().refine((key) => FIELDS.has(key), {
  error: (issue) => `unknown field key ${JSON.stringify(issue.input)}`,
});

const condition = z.strictObject({
  field: fieldKey,
  /** Canonical value, for example `purchase` for loan_purpose. */
  equals: z.string().min(1),
});

const present = z.strictObject({
  check: z.literal("present"),
  field: fieldKey,
  when: condition.optional(),
});

const range = z
  .strictObject({
    check: z.literal("range"),
    field: fieldKey,
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
    when: condition.optional(),
  })
  .refine((rule) => rule.min !== undefined || rule.max !== undefined, {
    error: "a range needs min, max or both",
  })
  .refine((rule) => rule.min === undefined || rule.max === undefined || rule.min <= rule.max, {
    error: "min must not exceed max",
  });

const compare = z.strictObject({
  check: z.literal("compare"),
  field: fieldKey,
  op: z.enum(["gt", "gte", "lt", "lte", "eq", "ne"]),
  value: z.number().finite(),
  when: condition.optional(),
});

const oneOf = z.strictObject({
  check: z.literal("one_of"),
  field: fieldKey,
  /** Canonical values, as the field dictionary writes them (`360`, `4.125`). */
  values: z.array(z.string().min(1)).min(1).max(500),
  when: condition.optional(),
});

const minConfidence = z.strictObject({
  check: z.literal("min_confidence"),
  /** Limits the rule to one field; all extracted fields when absent. */
  field: fieldKey.optional(),
  threshold: z.number().min(0).max(1),
});

export const ruleDefinitionSchema = z
  .discriminatedUnion("check", [present, range, compare, oneOf, minConfidence])
  .superRefine((rule, context) => {
    if (rule.check !== "range" && rule.check !== "compare") return;
    const type = FIELDS.get(rule.field)?.type;
    if (type && !NUMERIC_TYPES.has(type)) {
      context.addIssue({
        code: "custom",
        path: ["field"],
        message: `${rule.field} is a ${type} field; ${rule.check} needs a money, percent or integer field`,
      });
    }
  });

export type RuleDefinition = z.infer<typeof ruleDefinitionSchema>;

/** Returns the issues of an invalid definition as one line, or null when it is valid. */
export function describeDefinitionProblems(value: unknown): string | null {
  const parsed = ruleDefinitionSchema.safeParse(value);
  if (parsed.success) return null;
  return parsed.error.issues
    .map((issue) => `${issue.path.join(".") || "definition"}: ${issue.message}`)
    .join("; ");
}
