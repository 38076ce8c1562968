// Content storage on the local file system. Every object lives under its
// tenant's folder, and callers reach it only through a key read from a row
// that row-level security has already scoped to that tenant.
import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseTenantId } from "@tapeline/db";

export interface StoredObject {
  /** Key relative to the storage root: `<tenant>/<kind>/<uuid>`. */
  storageKey: string;
  sha256: string;
  sizeBytes: number;
}

export class StorageLimitError extends Error {
  readonly code = "FILE_TOO_LARGE";
  constructor(readonly limitBytes: number) {
    super(`File exceeds the limit of ${limitBytes} bytes; split it or raise the configured limit.`);
  }
}

export class FileStorage {
  constructor(readonly root: string) {}

  #resolve(storageKey: string): string {
    const resolved = path.resolve(this.root, storageKey);
    if (!resolved.startsWith(path.resolve(this.root) + path.sep)) {
      throw new Error(`Invalid storage key ${JSON.stringify(storageKey)}: it leaves the storage root.`);
    }
    return resolved;
  }

  /**
   * Streams `content` to a new object of the tenant, hashing it on the way.
   * A partial file is removed when the stream fails or exceeds `maxBytes`.
   */
  async put(
    tenantId: string,
    kind: "tapes" | "documents",
    content: Readable | Uint8Array,
    options: { maxBytes?: number } = {},
  ): Promise<StoredObject> {
    const tenant = parseTenantId(tenantId);
    const storageKey = path.posix.join(tenant, kind, randomUUID());
    const target = this.#resolve(storageKey);
    const partial = `${target}.partial`;
    await mkdir(path.dirname(target), { recursive: true });

    const hash = createHash("sha256");
    let sizeBytes = 0;
    const source = content instanceof Uint8Array ? Readable.from([content]) : content;
    const limit = options.maxBytes ?? Number.POSITIVE_INFINITY;
    // Opening the file before the pipeline starts means no open can still be
    // pending (and recreate the file) after a failed put removes it.
    const sink = (await open(partial, "w")).createWriteStream();
    try {
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            sizeBytes += chunk.length;
            if (sizeBytes > limit) throw new StorageLimitError(limit);
            hash.update(chunk);
            yield chunk;
          }
        },
        sink,
      );
      await rename(partial, target);
    } catch (error) {
      // events.once() would reject with the sink's own error, so listen for
      // "close" directly.
      if (!sink.closed) await new Promise<void>((resolve) => sink.once("close", () => resolve()));
      await rm(partial, { force: true });
      throw error;
    }
    return { storageKey, sha256: hash.digest("hex"), sizeBytes };
  }

  read(storageKey: string): Readable {
    return createReadStream(this.#resolve(storageKey));
  }

  async size(storageKey: string): Promise<number> {
    return (await stat(this.#resolve(storageKey))).size;
  }

  async remove(storageKey: string): Promise<void> {
    await rm(this.#resolve(storageKey), { force: true });
  }
}
