import { describe, expect, it } from "vitest";
import { canonicalize, InvalidFieldValueError } from "./index.ts";

describe("canonicalize", () => {
  it.each([
    ["loan_amount", "$211,000", "211000.00"],
    ["loan_amount", "72168", "72168.00"],
    ["interest_rate", "4%", "4.000"],
    ["interest_rate", "3.875", "3.875"],
    ["interest_rate", "4.1255", "4.126"],
    ["loan_term_months", "360", "360"],
    ["date_issued", "2/15/2013", "2013-02-15"],
    ["application_date", "20200418", "2020-04-18"],
    ["debt_to_income", "20%-<30%", "20%-<30%"],
    ["debt_to_income", "42", "42.000"],
    ["state", "tx", "TX"],
  ])("%s %s becomes %s", (key, raw, expected) => {
    expect(canonicalize(key, raw).value).toBe(expected);
  });

  it.each([
    ["loan_amount", "abc"],
    ["interest_rate", "NA"],
    ["loan_term_months", "30 years"],
    ["date_issued", "2/30/2013"],
    ["loan_purpose", "mortgage"],
    ["no_such_field", "1"],
  ])("rejects %s %s", (key, raw) => {
    expect(() => canonicalize(key, raw)).toThrow(InvalidFieldValueError);
  });

  it("names the key and value in the error", () => {
    expect(() => canonicalize("loan_amount", "abc")).toThrow(/"abc" for loan_amount/);
  });
});
