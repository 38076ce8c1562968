// Internal event handlers by event type. The worker claims events of every
// type; an event whose type has a handler here runs it before its webhook
// deliveries, and an event without one goes to webhook subscribers only.
// Handlers must be idempotent: a crash or a failed delivery runs them again.
import type {
  ClaimedEvent,
  AppDatabase,
  Logger,
  TenantTransaction,
} from "@tapeline/db";
import { ImportNotFoundError, processImport } from "@tapeline/core/imports";
import type { FileStorage } from "@tapeline/core/storage";
import { z } from "zod";
import { evidenceHandlers } from "./evidence-handlers.ts";

export interface EventContext {
  event: ClaimedEvent;
  db: AppDatabase;
  storage: FileStorage;
  /** Carries eventId, eventType, tenantId and the attempt. */
  logger: Logger;
  /** Recorded as the actor on audits rows. */
  actor: string;
  /** True when a failure of this attempt makes the event dead. */
  finalAttempt: boolean;
  /** Runs `work` in a transaction of the event's tenant, as `actor`. */
  withTenant<T>(work: (tx: TenantTransaction) => Promise<T>): Promise<T>;
}

export type EventHandler = (context: EventContext) => Promise<void>;

export type EventHandlers = Record<string, EventHandler>;

/** An error that no retry can fix; the worker marks the event dead at once. */
export class PermanentEventError extends Error {
  readonly code = "EVENT_PERMANENT_FAILURE";
}

const importCreatedPayload = z.object({ importId: z.string().uuid() });

/** `import.created`: imports the tape (processImport is idempotent, so redelivery is safe). */
export async function handleImportCreated(
  context: EventContext,
): Promise<void> {
  const payload = importCreatedPayload.safeParse(context.event.payload);
  if (!payload.success) {
    throw new PermanentEventError(
      `import.created event ${context.event.id} has no valid importId in its payload.`,
    );
  }

  const { importId } = payload.data;
  try {
    const summary = await processImport(
      context.db,
      context.storage,
      context.event.tenantId,
      importId,
      {
        actor: context.actor,
        finalAttempt: context.finalAttempt,
      },
    );
    const fields = {
      importId,
      status: summary.status,
      loans: summary.loanCount,
      errors: summary.errorCount,
    };
    if (summary.status === "failed") {
      context.logger.warn(
        { ...fields, lastError: summary.lastError },
        "import failed: its file cannot be read",
      );
    } else {
      context.logger.debug(fields, "import processed");
    }
  } catch (error) {
    if (error instanceof ImportNotFoundError) {
      throw new PermanentEventError(error.message, { cause: error });
    }
    throw error;
  }
}

export function defaultHandlers(): EventHandlers {
  return { "import.created": handleImportCreated, ...evidenceHandlers() };
}
