// `tapeline import --tenant ID FILE [--format hmda|csv] [--mapping FILE]`:
// registers the tape like an upload does (stored file, imports row,
// import.created event), then processes it in this process with a progress
// bar. When a worker runs too, whichever locks the import first processes
// it, and the other waits and returns the stored summary.
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { SingleBar } from "cli-progress";
import { GLOBAL_TENANT_ID, parseTenantId } from "@tapeline/db";
import { FIELD_KEYS, FIELDS } from "@tapeline/core/fields";
import {
  ImportRequestError,
  listImportErrors,
  processImport,
  createImport,
  rejectReservedColumnNames,
  type ImportSummary,
} from "@tapeline/core/imports";
import { FileStorage } from "@tapeline/core/storage";
import { z } from "zod";
import { withDatabase } from "./database.ts";
import type { CliEnv } from "./env.ts";
import { CommandError, UsageError } from "./usage.ts";

export interface ImportArguments {
  tenantId: string;
  filePath: string;
  format: "hmda" | "csv";
  mapping?: Record<string, string>;
}

const FIRST_ERRORS_SHOWN = 10;
const mappingSchema = z.record(z.string().min(1), z.string());

/** Validates --tenant; throws UsageError naming the value and where to find tenant ids. */
export function readTenantId(value: string | undefined): string {
  if (!value) {
    throw new UsageError(
      "Missing --tenant: pass the tenant's id (list them with `pnpm tapeline tenants list`).",
    );
  }
  if (value.toLowerCase() === GLOBAL_TENANT_ID) {
    throw new UsageError(
      `Invalid --tenant ${value}: the nil UUID is reserved for global QC rules and holds no loans; pass a tenant's id (list them with \`pnpm tapeline tenants list\`).`,
    );
  }
  try {
    return parseTenantId(value);
  } catch {
    throw new UsageError(
      `Invalid --tenant ${JSON.stringify(value)}: expected a tenant id (a UUID); list them with \`pnpm tapeline tenants list\`.`,
    );
  }
}

function readFormat(
  value: string | undefined,
  filePath: string,
): "hmda" | "csv" {
  if (value === undefined)
    return path.extname(filePath).toLowerCase() === ".csv" ? "csv" : "hmda";
  if (value === "hmda" || value === "csv") return value;
  throw new UsageError(
    `Invalid --format ${JSON.stringify(value)}: use hmda or csv.`,
  );
}

/** Reads --mapping: inline JSON when it starts with `{`, else a JSON file relative to `baseDir`. */
async function readMappingJson(
  argument: string,
  baseDir: string,
): Promise<{ parsed: unknown; source: string }> {
  const inline = argument.trimStart().startsWith("{");
  const source = inline ? "(inline JSON)" : path.resolve(baseDir, argument);
  try {
    const text = inline ? argument : await readFile(source, "utf8");
    return { parsed: JSON.parse(text), source };
  } catch (error) {
    throw new UsageError(
      `Failed to read --mapping ${source}: ${(error as Error).message}. Check the path and the JSON.`,
    );
  }
}

async function readMapping(
  argument: string,
  baseDir: string,
): Promise<Record<string, string>> {
  const { parsed, source: mappingPath } = await readMappingJson(argument, baseDir);
  if (typeof parsed === "object" && parsed !== null) {
    try {
      rejectReservedColumnNames(parsed);
    } catch (error) {
      if (!(error instanceof ImportRequestError)) throw error;
      throw new UsageError(`Invalid --mapping ${mappingPath}: ${error.message}`);
    }
  }
  const mapping = mappingSchema.safeParse(parsed);
  if (!mapping.success) {
    throw new UsageError(
      `Invalid --mapping ${mappingPath}: expected a JSON object from header column to field key, such as {"Loan Number": "loan_identifier"}.`,
    );
  }
  const unknown = Object.values(mapping.data).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0) {
    throw new UsageError(
      `Invalid --mapping ${mappingPath}: unknown field keys ${unknown.join(", ")}; use keys of the field dictionary: ${FIELD_KEYS.join(", ")}.`,
    );
  }
  if (!Object.values(mapping.data).includes("loan_identifier")) {
    throw new UsageError(
      `Invalid --mapping ${mappingPath}: map the column holding the loan number to loan_identifier.`,
    );
  }
  return mapping.data;
}

/** Validates the import command's arguments; throws UsageError naming the bad value and the fix. */
export async function readImportArguments(
  args: string[],
  env: CliEnv,
): Promise<ImportArguments> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        tenant: { type: "string" },
        format: { type: "string" },
        mapping: { type: "string" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;

  const tenantId = readTenantId(values.tenant);
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? "Missing FILE: pass the path of the loan tape to import."
        : `Expected one FILE, got ${positionals.length}: ${positionals.join(" ")}.`,
    );
  }
  const filePath = path.resolve(env.invocationDir, positionals[0] ?? "");
  const file = await stat(filePath).catch(() => undefined);
  if (!file?.isFile())
    throw new CommandError(`File not found: ${filePath}. Check the path.`);

  const format = readFormat(values.format, filePath);
  if (values.mapping && format !== "csv") {
    throw new UsageError(
      "--mapping applies to CSV tapes only; drop it or pass --format csv.",
    );
  }
  const mapping = values.mapping
    ? await readMapping(values.mapping, env.invocationDir)
    : undefined;
  return { tenantId, filePath, format, mapping };
}

function printSummary(summary: ImportSummary): void {
  console.log(`Import ${summary.importId}: ${summary.status}`);
  console.log(`  rows read:   ${summary.rowCount}`);
  console.log(`  loans:       ${summary.loanCount}`);
  console.log(`  datapoints:  ${summary.datapointCount}`);
  console.log(`  errors:      ${summary.errorCount}`);
}

export async function runImport(args: string[], env: CliEnv): Promise<number> {
  const options = await readImportArguments(args, env);
  const fileSize = (await stat(options.filePath)).size;

  return withDatabase(env.logLevel, async ({ db, system, storageRoot }) => {
    const tenants = await system.listTenants();
    const tenant = tenants.find(
      (candidate) => candidate.id === options.tenantId,
    );
    if (!tenant) {
      throw new CommandError(
        `Tenant ${options.tenantId} not found: list tenants with \`pnpm tapeline tenants list\` or create one with \`pnpm tapeline tenants create SLUG NAME\`.`,
      );
    }

    const storage = new FileStorage(storageRoot);
    const { importId } = await createImport(
      db,
      storage,
      tenant.id,
      {
        fileName: path.basename(options.filePath),
        format: options.format,
        content: createReadStream(options.filePath),
        mapping: options.mapping,
      },
      env.actor,
    );
    console.log(
      `Importing ${path.basename(options.filePath)} for ${tenant.slug} as import ${importId}`,
    );

    const bar = new SingleBar({
      format: "{bar} {percentage}% | {rows} rows | {errors} errors",
      hideCursor: true,
    });
    bar.start(fileSize, 0, { rows: 0, errors: 0 });
    let summary: ImportSummary;
    try {
      summary = await processImport(db, storage, tenant.id, importId, {
        actor: env.actor,
        onProgress: (progress) =>
          bar.update(progress.bytesRead, {
            rows: progress.rowsRead,
            errors: progress.errors,
          }),
      });
    } finally {
      bar.stop();
    }

    printSummary(summary);
    const errors = await listImportErrors(db, tenant.id, importId, {
      limit: FIRST_ERRORS_SHOWN,
    });
    if (errors.length > 0) {
      console.log(`First ${errors.length} of ${summary.errorCount} errors:`);
      for (const error of errors) {
        const column = error.columnName ? ` ${error.columnName}` : "";
        const value =
          error.value !== null
            ? ` = ${JSON.stringify(error.value.slice(0, 40))}`
            : "";
        console.log(
          `  row ${error.rowNumber}${column}${value} [${error.code}] ${error.reason}`,
        );
      }
    }
    return summary.status === "completed" ? 0 : 1;
  });
}
