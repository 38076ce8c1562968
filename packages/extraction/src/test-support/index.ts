// Test helpers for other packages' tests: the sample files and a small PDF
// builder for synthetic forms and image-only pages.
export { readSample, SAMPLE_MAX_BYTES, type SampleFile } from "./files.ts";
export { closingDisclosurePage, field } from "./forms.ts";
export { buildPdf, imageFromPng, type PageSpec, type TextSpec } from "./pdf-builder.ts";
