import { describe, expect, it } from "vitest";
import { canonicalize, canonicalizeHmdaCode, InvalidFieldValueError } from "./index.ts";

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

describe("canonicalizeHmdaCode", () => {
  it.each([
    ["loan_purpose", "1", "purchase"],
    ["loan_purpose", "31", "refinancing"],
    ["loan_purpose", "32", "cash_out_refinancing"],
    ["loan_purpose", "5", "not_applicable"],
    ["loan_type", "4", "usda_rd"],
    ["action_taken", "6", "purchased"],
    ["lien_status", "2", "subordinate_lien"],
  ])("%s code %s becomes %s", (key, raw, expected) => {
    expect(canonicalizeHmdaCode(key, raw).value).toBe(expected);
  });

  it("lists the filing codes when a code is unknown", () => {
    expect(() => canonicalizeHmdaCode("loan_purpose", "3")).toThrow(/31 \(refinancing\)/);
  });

  it("rejects a field without filing codes", () => {
    expect(() => canonicalizeHmdaCode("loan_amount", "1")).toThrow(InvalidFieldValueError);
  });
});
