import { describe, expect, it } from "vitest";
import { valuesAgree } from "./tolerance.ts";

const money = (value: string) => ({ value, valueNumber: value });

describe("valuesAgree", () => {
  it("compares money to the cent", () => {
    expect(valuesAgree("loan_amount", money("211000.00"), money("211000.00"))).toBe(true);
    expect(valuesAgree("loan_amount", money("211000.00"), money("211000.01"))).toBe(false);
  });

  it("compares rates to a thousandth of a percent", () => {
    expect(valuesAgree("interest_rate", money("4.000"), money("4.0004"))).toBe(true);
    expect(valuesAgree("interest_rate", money("4.000"), money("4.001"))).toBe(false);
  });

  it("compares the term exactly", () => {
    expect(valuesAgree("loan_term_months", money("360"), money("360"))).toBe(true);
    expect(valuesAgree("loan_term_months", money("360"), money("359"))).toBe(false);
  });

  it("compares dates and codes as text", () => {
    const date = (value: string) => ({ value, valueNumber: null });
    expect(valuesAgree("date_issued", date("2013-02-15"), date("2013-02-15"))).toBe(true);
    expect(valuesAgree("loan_purpose", date("purchase"), date("refinancing"))).toBe(false);
  });
});
