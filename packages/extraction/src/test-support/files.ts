// Reads the sample documents in test-data/ (see test-data/README.md).
import { readFile } from "node:fs/promises";

export type SampleFile =
  | "adjustable_rate_loan_estimate.pdf"
  | "mortgage_closing_forms.pdf"
  | "loan-estimate-H24B-1.png";

export async function readSample(name: SampleFile): Promise<Uint8Array> {
  const url = new URL(`../../test-data/${name}`, import.meta.url);
  return new Uint8Array(await readFile(url));
}

/** Large enough for every sample; the largest is 623,066 bytes. */
export const SAMPLE_MAX_BYTES = 1_000_000;
