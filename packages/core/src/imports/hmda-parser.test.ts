import { describe, expect, it } from "vitest";
import { parseHmdaTape } from "./hmda-parser.ts";
import type { ParsedTapeRow } from "./tape-row.ts";

const LEI = "B90YWS6AFX2LGWOXJ1LD";

function transmittal(total: number | string): string {
  return `1|Bank0|2024|4|Name|555|a@b.c|Street|City|UT|84096|9|${total}|01-0123456|${LEI}`;
}

function loanRow(uli: string, overrides: Record<number, string> = {}): string {
  const fields = Array.from({ length: 110 }, () => "NA");
  fields[0] = "2";
  fields[1] = LEI;
  fields[2] = uli;
  fields[9] = "150000";
  for (const [index, value] of Object.entries(overrides))
    fields[Number(index)] = value;
  return fields.join("|");
}

async function parse(text: string | Buffer, chunkSize = 7) {
  const bytes = typeof text === "string" ? Buffer.from(text) : text;
  async function* chunks() {
    for (let at = 0; at < bytes.length; at += chunkSize)
      yield bytes.subarray(at, at + chunkSize);
  }
  const progress = { bytesRead: 0, rowsRead: 0 };
  const rows: ParsedTapeRow[] = [];
  for await (const row of parseHmdaTape(chunks(), progress)) rows.push(row);
  const errors = rows.flatMap((row) =>
    row.errors.map((e) => [e.rowNumber, e.columnName, e.code]),
  );
  return { rows, errors, progress };
}

describe("parseHmdaTape", () => {
  it("reads CRLF lines, a BOM and blank lines", async () => {
    const text = `\uFEFF${transmittal(2)}\r\n\r\n${loanRow("ULI1")}\r\n${loanRow("ULI2")}\r\n`;
    const { rows, errors, progress } = await parse(text);

    expect(errors).toEqual([]);
    expect(rows.map((row) => [row.rowNumber, row.loan?.loanNumber])).toEqual([
      [3, "ULI1"],
      [4, "ULI2"],
    ]);
    expect(progress.rowsRead).toBe(2);
  });

  it("maps HMDA codes to canonical codes", async () => {
    const row = loanRow("ULI1", { 4: "2", 5: "31", 10: "1", 11: "20240131" });
    const { rows } = await parse(`${transmittal(1)}\n${row}`);
    const values = new Map(
      rows[0]?.loan?.datapoints.map((d) => [d.key, d.value]),
    );

    expect(values.get("loan_type")).toBe("fha");
    expect(values.get("loan_purpose")).toBe("refinancing");
    expect(values.get("action_taken")).toBe("originated");
    expect(values.get("action_taken_date")).toBe("2024-01-31");
    expect(values.get("loan_amount")).toBe("150000.00");
  });

  it("treats NA, Exempt and credit score 8888 as not reported", async () => {
    const row = loanRow("ULI1", { 77: "Exempt", 61: "8888", 56: "NA" });
    const { rows, errors } = await parse(`${transmittal(1)}\n${row}`);
    const keys = rows[0]?.loan?.datapoints.map((d) => d.key);

    expect(errors).toEqual([]);
    expect(keys).toEqual(["loan_identifier", "lei", "loan_amount"]);
  });

  it("rejects a row without a ULI", async () => {
    const { rows, errors } = await parse(`${transmittal(1)}\n${loanRow("")}`);

    expect(errors).toEqual([[2, "uli", "MISSING_LOAN_IDENTIFIER"]]);
    expect(rows[0]?.loan).toBeUndefined();
  });

  it("keeps a row with a bad value", async () => {
    const { rows, errors } = await parse(
      `${transmittal(1)}\n${loanRow("ULI1", { 9: "12x" })}`,
    );

    expect(errors).toEqual([[2, "loan_amount", "INVALID_VALUE"]]);
    expect(rows[0]?.loan?.loanNumber).toBe("ULI1");
  });

  it("reports a file without a transmittal sheet", async () => {
    const { rows, errors } = await parse(`${loanRow("ULI1")}\n`);

    expect(errors).toEqual([[1, null, "MISSING_TRANSMITTAL_SHEET"]]);
    expect(rows[0]?.loan?.loanNumber).toBe("ULI1");
  });

  it("reports a second transmittal sheet", async () => {
    const { errors } = await parse(
      `${transmittal(1)}\n${loanRow("ULI1")}\n${transmittal(1)}`,
    );

    expect(errors).toEqual([[3, "record_id", "EXTRA_TRANSMITTAL_SHEET"]]);
  });

  it("reports a loan count that differs from the transmittal sheet", async () => {
    const { errors } = await parse(
      `${transmittal(3)}\n${loanRow("ULI1")}\n${loanRow("ULI2")}`,
    );

    expect(errors).toEqual([[1, "total_line_entries", "LOAN_COUNT_MISMATCH"]]);
  });

  it("skips an overlong line and reads the next", async () => {
    const long = "2|" + "x".repeat(70_000);
    const { rows, errors } = await parse(
      `${transmittal(2)}\n${long}\n${loanRow("ULI2")}`,
      4096,
    );

    expect(errors).toEqual([
      [2, null, "LINE_TOO_LONG"],
      [1, "total_line_entries", "LOAN_COUNT_MISMATCH"],
    ]);
    expect(rows.find((row) => row.loan)?.rowNumber).toBe(3);
  });

  it("throws on bytes that are not UTF-8", async () => {
    const bytes = Buffer.concat([
      Buffer.from(`${transmittal(1)}\n2|`),
      Buffer.from([0xc3, 0x28]),
    ]);

    await expect(parse(bytes)).rejects.toThrow(/Line 2 is not valid UTF-8/);
  });
});
