// `tapeline documents upload --tenant ID --loan LOAN_ID FILE.pdf` stores a
// PDF on a loan with uploadDocument, the function behind
// POST /v1/loans/{loanId}/documents, so the stored rows, the event and the
// duplicate check match an API upload. A running worker extracts it.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_MAX_UPLOAD_BYTES } from "@tapeline/api";
import { FileStorage } from "@tapeline/core/storage";
import { EvidenceError, uploadDocument } from "@tapeline/evidence";
import { withDatabase } from "./database.ts";
import type { CliEnv } from "./env.ts";
import { readTenantId } from "./import.ts";
import { CommandError, UsageError } from "./usage.ts";

export interface UploadArguments {
  tenantId: string;
  loanId: string;
  filePath: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Validates `documents upload` arguments; throws UsageError naming the bad value and the fix. */
export async function readUploadArguments(args: string[], env: CliEnv): Promise<UploadArguments> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { tenant: { type: "string" }, loan: { type: "string" } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;

  const tenantId = readTenantId(values.tenant);
  if (!values.loan) {
    throw new UsageError(
      "Missing --loan: pass the loan's id (GET /v1/loans lists the tenant's loans with their ids).",
    );
  }
  if (!UUID.test(values.loan)) {
    throw new UsageError(
      `Invalid --loan ${JSON.stringify(values.loan)}: expected a loan id (a UUID), as GET /v1/loans returns it.`,
    );
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? "Missing FILE: pass the path of the PDF to upload."
        : `Expected one FILE, got ${positionals.length}: ${positionals.join(" ")}.`,
    );
  }
  const filePath = path.resolve(env.invocationDir, positionals[0] ?? "");
  const file = await stat(filePath).catch(() => undefined);
  if (!file?.isFile()) throw new CommandError(`File not found: ${filePath}. Check the path.`);
  // NOTE: the limit is the API's default, not TAPELINE_MAX_UPLOAD_BYTES.
  if (file.size > DEFAULT_MAX_UPLOAD_BYTES) {
    throw new CommandError(
      `${filePath} is ${file.size} bytes, over the upload limit of ${DEFAULT_MAX_UPLOAD_BYTES} bytes; split or compress the PDF.`,
    );
  }
  return { tenantId, loanId: values.loan.toLowerCase(), filePath };
}

async function runUpload(args: string[], env: CliEnv): Promise<number> {
  const options = await readUploadArguments(args, env);
  const content = await readFile(options.filePath);

  return withDatabase(env.logLevel, async ({ db, system, storageRoot }) => {
    const tenant = (await system.listTenants()).find((candidate) => candidate.id === options.tenantId);
    if (!tenant) {
      throw new CommandError(
        `Tenant ${options.tenantId} not found: list tenants with \`pnpm tapeline tenants list\`.`,
      );
    }
    let uploaded;
    try {
      uploaded = await uploadDocument(
        db,
        new FileStorage(storageRoot),
        tenant.id,
        {
          loanId: options.loanId,
          fileName: path.basename(options.filePath),
          content,
          maxBytes: DEFAULT_MAX_UPLOAD_BYTES,
        },
        env.actor,
      );
    } catch (error) {
      // Covers a file that is not a PDF, an unreadable PDF and an unknown loan.
      // The message names the value and the fix.
      if (error instanceof EvidenceError) throw new CommandError(error.message, { cause: error });
      throw error;
    }
    console.log(`Document ${uploaded.documentId}`);
    console.log(`  type:       ${uploaded.documentType}`);
    console.log(`  pages:      ${uploaded.pageCount}`);
    const duplicate = uploaded.duplicate
      ? "yes (the loan already had these bytes, so this is the existing document)"
      : "no";
    console.log(`  duplicate:  ${duplicate}`);
    return 0;
  });
}

export async function runDocuments(args: string[], env: CliEnv): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === "upload") return runUpload(rest, env);
  throw new UsageError(
    verb === undefined
      ? "Missing documents command: use `documents upload`."
      : `Unknown documents command ${JSON.stringify(verb)}: use \`documents upload\`.`,
  );
}
