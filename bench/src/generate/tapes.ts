// HMDA loan tapes of any size, written to a temporary folder: the
// transmittal sheet and loan rows of the public test filing in
// packages/core/test-data/hmda-lar, repeated with a unique ULI per row.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import path from "node:path";

const ULI_FIELD = 2;
const TOTAL_LINE_ENTRIES_FIELD = 12;

export const TEMPLATE_FILE = path.join(
  "packages",
  "core",
  "test-data",
  "hmda-lar",
  "Bank1_clean_100_rows.txt",
);

export interface Tapes {
  directory: string;
  /** Path of the tape with `rows` loan rows, for each requested size. */
  files: Map<number, string>;
  remove(): Promise<void>;
}

async function writeTape(file: string, template: string[], rows: number): Promise<void> {
  const [sheet, ...loans] = template;
  if (!sheet || loans.length === 0) throw new Error(`The template tape ${TEMPLATE_FILE} has no loan rows.`);
  const sheetFields = sheet.split("|");
  sheetFields[TOTAL_LINE_ENTRIES_FIELD] = String(rows);

  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  await write(sheetFields.join("|") + "\n");
  let buffer = "";
  for (let row = 0; row < rows; row++) {
    const fields = (loans[row % loans.length] as string).split("|");
    fields[ULI_FIELD] = `BENCH${String(row).padStart(12, "0")}`;
    buffer += fields.join("|") + "\n";
    if (buffer.length > 1 << 20) {
      await write(buffer);
      buffer = "";
    }
  }
  await write(buffer);
  out.end();
  await once(out, "finish");
}

/** Writes one tape per size; throws when the template filing is missing. */
export async function generateTapes(repositoryRoot: string, sizes: number[]): Promise<Tapes> {
  const templatePath = path.join(repositoryRoot, TEMPLATE_FILE);
  if (!existsSync(templatePath)) {
    throw new Error(`The template tape ${TEMPLATE_FILE} is missing: it comes with the import pipeline.`);
  }
  const template = (await readFile(templatePath, "utf8")).split(/\r?\n/).filter((line) => line !== "");
  const directory = await mkdtemp(path.join(tmpdir(), "tapeline-bench-tapes-"));
  const files = new Map<number, string>();
  for (const rows of sizes) {
    const file = path.join(directory, `lar-${rows}.txt`);
    await writeTape(file, template, rows);
    files.set(rows, file);
  }
  return { directory, files, remove: () => rm(directory, { recursive: true, force: true }) };
}
