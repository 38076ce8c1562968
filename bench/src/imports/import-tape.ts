// Imports a tape file the way the product does: createImport stores it and
// records a pending import, processImport parses, validates and loads it
// under row-level security with lineage and error rows.
import { createReadStream } from "node:fs";
import path from "node:path";
import { createImport, processImport } from "@tapeline/core/imports";
import type { FileStorage } from "@tapeline/core/storage";
import type { AppDatabase, SystemDatabase } from "@tapeline/db";

export interface ImportOutcome {
  rows: number;
  datapoints: number;
  errors: number;
  seconds: number;
}

/** Imports `file` into a new tenant; returns counts and wall time. */
export async function importTape(
  deps: { db: AppDatabase; system: SystemDatabase; storage: FileStorage },
  file: string,
  label: string,
): Promise<ImportOutcome> {
  const slug = `bench-import-${label}-${Date.now().toString(36)}`;
  const tenantId = await deps.system.createTenant(slug, `Benchmark import ${label}`);
  const started = performance.now();
  const { importId } = await createImport(
    deps.db,
    deps.storage,
    tenantId,
    { fileName: path.basename(file), format: "hmda", content: createReadStream(file) },
    "bench@example.com",
  );
  const summary = await processImport(deps.db, deps.storage, tenantId, importId, {
    actor: "bench@example.com",
  });
  const seconds = (performance.now() - started) / 1000;
  if (summary.status !== "completed") {
    throw new Error(`Import of ${path.basename(file)} ended ${summary.status}, not completed.`);
  }
  return {
    rows: summary.rowCount,
    datapoints: summary.datapointCount,
    errors: summary.errorCount,
    seconds,
  };
}
