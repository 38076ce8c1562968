import { describe, expect, it } from "vitest";
import {
  parseDate,
  parseLoanIdentifier,
  parseLoanPurpose,
  parseLoanType,
  parseMoney,
  parsePercent,
  parseRunText,
  parseTermInMonths,
  type ValueParser,
} from "./values.ts";

function rawOf(
  parse: ValueParser,
  rest: string,
  runRest = rest,
): string | null {
  return parse(rest, runRest)?.raw ?? null;
}

describe("value parsers", () => {
  it.each([
    ["$211,000", "211,000"],
    ["$9,712.10 Includes $4,694.05", "9,712.10"],
    ["$ 703.33", "703.33"],
    ["$1,137–$1,468", "1,137"],
    ["211,000", null],
    ["$2,11", null],
    ["$1,0000", null],
  ])("money %j reads as %j", (text, expected) => {
    expect(rawOf(parseMoney, text)).toBe(expected);
  });

  it.each([
    ["4%", "4"],
    ["3.875 %", "3.875"],
    ["4.617% APR", "4.617"],
    ["YES", null],
    ["4", null],
  ])("percent %j reads as %j", (text, expected) => {
    expect(rawOf(parsePercent, text)).toBe(expected);
  });

  it.each([
    ["2/15/2013", "2/15/2013"],
    ["12/1/2024 PRODUCT", "12/1/2024"],
    ["2/15/13", null],
    ["2/15/20131", null],
  ])("date %j reads as %j", (text, expected) => {
    expect(rawOf(parseDate, text)).toBe(expected);
  });

  it.each([
    ["30 years", "360"],
    ["15 yrs.", "180"],
    ["1 year", "12"],
    ["360 months", "360"],
    ["106 mos", "106"],
    ["30", null],
    ["thirty years", null],
  ])("term %j reads as %j months", (text, expected) => {
    expect(rawOf(parseTermInMonths, text)).toBe(expected);
  });

  it.each([
    ["123456789", "123456789"],
    ["LN-2024-0042 RATE LOCK", "LN-2024-0042"],
    ["1234567891330172608", "1234567891330172608"],
    ["RATE LOCK", null],
    ["_____", null],
    ["12", null],
  ])("loan ID %j reads as %j", (text, expected) => {
    expect(rawOf(parseLoanIdentifier, text)).toBe(expected);
  });

  it.each([
    ["Purchase", "purchase"],
    ["Purchase ce", "purchase"],
    ["Refinance", "refinancing"],
    ["Cash-out refinance", "cash_out_refinancing"],
    ["Construction", "other"],
    ["Home Equity Loan", "other"],
    ["Purchases", null],
  ])("purpose %j reads as %j", (text, expected) => {
    expect(rawOf(parseLoanPurpose, text)).toBe(expected);
  });

  it.each([
    ["x Conventional FHA VA", "conventional"],
    ["Conventional x FHA VA", "fha"],
    ["Conventional FHA \u2612 VA", "va"],
    ["Conventional FHA VA", null],
  ])("loan type %j reads as %j", (text, expected) => {
    expect(rawOf(parseLoanType, text)).toBe(expected);
  });

  it("takes free text to the end of its run", () => {
    const rest = "Fixed Rate LOAN TYPE";

    expect(rawOf(parseRunText, rest, "Fixed Rate ")).toBe("Fixed Rate");
    expect(rawOf(parseRunText, "12 345", "12 345")).toBeNull();
  });
});
