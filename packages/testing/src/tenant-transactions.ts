// Runs tenant work through db.tenant() and undoes it, so probes that
// succeed leave nothing behind for the next probe.
import type { AppDatabase, TenantTransaction } from "@tapeline/db";

class RollbackSignal extends Error {}

/** Runs `work` as `tenantId` through db.tenant(), then rolls the transaction back. */
export async function inRolledBackTenant<T>(
  db: AppDatabase,
  tenantId: string,
  work: (tx: TenantTransaction) => Promise<T>,
): Promise<T> {
  let result: T | undefined;
  const signal = new RollbackSignal();
  try {
    await db.tenant(tenantId, async (tx) => {
      result = await work(tx);
      throw signal;
    });
  } catch (error) {
    if (error !== signal) throw error;
  }
  return result as T;
}
