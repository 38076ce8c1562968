// Handlers of the evidence workflow: `document.uploaded` extracts the
// document (extraction, conflicts and QC in one tenant transaction), and
// `import.completed` finds conflicts and runs QC for the imported loans.
// Both are idempotent, so a redelivered event changes nothing.
import {
  EvidenceError,
  evaluateImportedLoans,
  extractStoredDocument,
} from "@tapeline/evidence";
import { z } from "zod";
import { PermanentEventError, type EventContext, type EventHandlers } from "./handlers.ts";

const documentPayload = z.object({ documentId: z.guid() });
const importPayload = z.object({ importId: z.guid() });

function payloadOf<T>(context: EventContext, schema: z.ZodType<T>, field: string): T {
  const parsed = schema.safeParse(context.event.payload);
  if (!parsed.success) {
    throw new PermanentEventError(
      `${context.event.type} event ${context.event.id} has no valid ${field} in its payload.`,
    );
  }
  return parsed.data;
}

/** `document.uploaded`: extracts the document and evaluates its loan. */
export async function handleDocumentUploaded(context: EventContext): Promise<void> {
  const { documentId } = payloadOf(context, documentPayload, "documentId");
  try {
    const summary = await extractStoredDocument(
      context.db,
      context.storage,
      context.event.tenantId,
      documentId,
      { actor: context.actor },
    );
    const fields = {
      documentId,
      loanId: summary.loanId,
      status: summary.status,
      datapoints: summary.datapoints,
      conflictsOpened: summary.evaluation?.conflicts.opened ?? 0,
      defectsOpened: summary.evaluation?.qc.opened ?? 0,
    };
    if (summary.status === "failed") context.logger.warn(fields, "document extraction failed");
    else context.logger.debug(fields, "document extracted");
  } catch (error) {
    if (error instanceof EvidenceError && error.kind !== "invalid") {
      throw new PermanentEventError(error.message, { cause: error });
    }
    throw error;
  }
}

/** `import.completed`: finds conflicts and runs QC for every loan of the import. */
export async function handleImportCompleted(context: EventContext): Promise<void> {
  const { importId } = payloadOf(context, importPayload, "importId");
  const totals = await evaluateImportedLoans(
    context.db,
    context.event.tenantId,
    importId,
    context.actor,
  );
  context.logger.debug({ importId, ...totals }, "imported loans evaluated");
}

export function evidenceHandlers(): EventHandlers {
  return {
    "document.uploaded": handleDocumentUploaded,
    "import.completed": handleImportCompleted,
  };
}
