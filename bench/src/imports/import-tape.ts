// Imports a tape file the way the product does: createImport stores it and
// records a pending import, processImport parses, validates and loads it
// under row-level security with lineage and error rows. Resolved at run
// time, because the pipeline may not be in this checkout yet.
import { createReadStream } from "node:fs";
import path from "node:path";
import type { AppDatabase, SystemDatabase } from "@tapeline/db";
import type { FileStorage } from "@tapeline/core/storage";

type ProcessImport = (
  db: AppDatabase,
  storage: FileStorage,
  tenantId: string,
  importId: string,
  options?: { actor?: string },
) => Promise<{ status: string; rowCount: number; datapointCount: number; errorCount: number }>;

type CreateImport = (
  db: AppDatabase,
  storage: FileStorage,
  tenantId: string,
  input: { fileName: string; format: "hmda"; content: NodeJS.ReadableStream },
  actor: string,
) => Promise<{ importId: string }>;

export interface ImportPipeline {
  createImport: CreateImport;
  processImport: ProcessImport;
}

/** Returns the import pipeline, or undefined when processImport is not in this checkout. */
export async function loadImportPipeline(): Promise<ImportPipeline | undefined> {
  const module = (await import("@tapeline/core/imports")) as Record<string, unknown>;
  if (typeof module.processImport !== "function" || typeof module.createImport !== "function") {
    return undefined;
  }
  return module as unknown as ImportPipeline;
}

export interface ImportOutcome {
  rows: number;
  datapoints: number;
  errors: number;
  seconds: number;
}

/** Imports `file` into a new tenant; returns counts and wall time. */
export async function importTape(
  pipeline: ImportPipeline,
  deps: { db: AppDatabase; system: SystemDatabase; storage: FileStorage },
  file: string,
  label: string,
): Promise<ImportOutcome> {
  const slug = `bench-import-${label}-${Date.now().toString(36)}`;
  const tenantId = await deps.system.createTenant(slug, `Benchmark import ${label}`);
  const started = performance.now();
  const { importId } = await pipeline.createImport(
    deps.db,
    deps.storage,
    tenantId,
    { fileName: path.basename(file), format: "hmda", content: createReadStream(file) },
    "bench@example.com",
  );
  const summary = await pipeline.processImport(deps.db, deps.storage, tenantId, importId, {
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
