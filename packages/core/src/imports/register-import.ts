// Stores a loan tape and registers its import: the file goes to the
// tenant's storage, then one db.tenant() transaction inserts the imports
// row (pending), its column mappings and an `import.created` outbox event.
//
// NOTE: this follows the contract of createImport (create-import.ts), which
// the API's upload path uses. The CLI and the import tests call this
// function; once createImport exists they should call it instead, and this
// file should go.
import type { Readable } from "node:stream";
import {
  enqueueEvent,
  importMappings,
  imports,
  type AppDatabase,
} from "@tapeline/db";
import type { FileStorage } from "../storage/index.ts";

export interface RegisterImportInput {
  fileName: string;
  format: "hmda" | "csv";
  content: Readable | Uint8Array;
  /** CSV only: header column → canonical field key. */
  mapping?: Record<string, string>;
  /** Reject files larger than this many bytes. */
  maxBytes?: number;
}

/** Stores the file and registers a pending import; returns the import id. */
export async function registerImport(
  db: AppDatabase,
  storage: FileStorage,
  tenantId: string,
  input: RegisterImportInput,
  actor: string,
): Promise<string> {
  const stored = await storage.put(tenantId, "tapes", input.content, {
    maxBytes: input.maxBytes,
  });

  try {
    return await db.tenant(
      tenantId,
      async (tx) => {
        const [row] = await tx
          .insert(imports)
          .values({
            tenantId,
            format: input.format,
            fileName: input.fileName,
            fileSha256: stored.sha256,
            fileSizeBytes: stored.sizeBytes,
            storageKey: stored.storageKey,
            createdBy: actor,
          })
          .returning({ id: imports.id });
        if (!row) throw new Error("imports insert returned no row");

        const mappings = Object.entries(input.mapping ?? {});
        if (mappings.length > 0) {
          await tx.insert(importMappings).values(
            mappings.map(([sourceColumn, fieldKey], position) => ({
              tenantId,
              importId: row.id,
              sourceColumn,
              fieldKey,
              position,
            })),
          );
        }

        await enqueueEvent(tx, {
          type: "import.created",
          aggregateType: "import",
          aggregateId: row.id,
          payload: { importId: row.id },
        });
        return row.id;
      },
      { actor },
    );
  } catch (error) {
    await storage.remove(stored.storageKey);
    throw error;
  }
}
