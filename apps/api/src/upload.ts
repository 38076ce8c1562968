// Reads an upload request into createImport without buffering the file:
// either a raw body (format, fileName and mapping in the query string) or
// multipart/form-data, parsed as a stream with busboy. In a multipart body
// the `format`, `fileName` and `mapping` fields must come before the `file`
// part, because the import is validated and stored while the file streams.
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import busboy from "busboy";
import type { Context } from "hono";
import {
  ImportRequestError,
  createImport,
  type CreateImportInput,
  type CreatedImport,
} from "@tapeline/core/imports";
import type { FileStorage } from "@tapeline/core/storage";
import type { AppDatabase } from "@tapeline/db";
import type { Principal } from "./auth.ts";
import { ApiError, RequestAbortedError } from "./errors.ts";

export interface UploadQuery {
  format?: "hmda" | "csv";
  fileName?: string;
  mapping?: string;
}

export interface UploadContext {
  db: AppDatabase;
  storage: FileStorage;
  maxUploadBytes: number;
  principal: Principal;
}

/** Room for the multipart boundaries and text fields on top of the file limit. */
const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;
const MAX_FIELD_BYTES = 256 * 1024;
const FIELD_NAMES = new Set(["format", "fileName", "mapping"]);
const MAX_FIELDS = 20;

function invalidMultipart(message: string): ApiError {
  return new ApiError(400, "INVALID_MULTIPART", message);
}

/** Errors raised while reading a request body: the client aborted or the connection failed. */
const bodyErrors = new WeakSet<object>();

/** busboy's messages for a body that stops before its closing boundary. */
const TRUNCATION_MESSAGES = new Set(["Unexpected end of form", "Unexpected end of file"]);

function multipartParseError(error: Error): ApiError {
  if (TRUNCATION_MESSAGES.has(error.message)) {
    return invalidMultipart(
      "The multipart body ended early, before its closing boundary: send the whole body.",
    );
  }
  return invalidMultipart(`The multipart body could not be parsed: ${error.message}.`);
}

/**
 * Picks the error to report when the import of a multipart file fails. A
 * truncated body fails the file stream too, so the parser error is the
 * cause to name. A body that stopped arriving stays a body error, which
 * receiveUpload reports as aborted.
 */
function importFailure(error: unknown, parserError: Error | undefined): unknown {
  if (typeof error === "object" && error !== null && bodyErrors.has(error)) return error;
  if (parserError) return multipartParseError(parserError);
  if (error instanceof Error && TRUNCATION_MESSAGES.has(error.message)) {
    return multipartParseError(error);
  }
  return error;
}

function fileTooLarge(bytes: string, limit: number): ApiError {
  return new ApiError(
    413,
    "FILE_TOO_LARGE",
    `The ${bytes} exceeds the upload limit of ${limit} bytes (TAPELINE_MAX_UPLOAD_BYTES): ` +
      "split the tape into smaller files or raise TAPELINE_MAX_UPLOAD_BYTES.",
  );
}

/**
 * Parses the mapping parameter: a JSON object of CSV header column → field
 * key. JSON.parse defines every key as an own property, so `__proto__`
 * stays a key for createImport to reject and never sets a prototype.
 */
function parseMapping(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ApiError(
      400,
      "INVALID_MAPPING",
      'The mapping parameter is not a JSON object: send one such as {"Loan ID":"loan_identifier"}.',
    );
  }
  return value as Record<string, string>;
}

function parseFormat(value: string | undefined, where: string): "hmda" | "csv" {
  if (value === "hmda" || value === "csv") return value;
  if (value === undefined) {
    throw new ApiError(400, "INVALID_PARAMETER", `Missing format: set ${where} to hmda or csv.`);
  }
  throw new ApiError(
    400,
    "INVALID_PARAMETER",
    `Invalid format ${JSON.stringify(value.slice(0, 40))}: set ${where} to hmda or csv.`,
  );
}

/** Rejects a Content-Length over the upload limit plus `overheadBytes` of framing. */
function rejectOversizedLength(c: Context, limit: number, overheadBytes = 0): void {
  const header = c.req.header("content-length");
  if (header === undefined || !/^\d+$/.test(header)) return;
  if (Number(header) > limit + overheadBytes) {
    throw fileTooLarge(`request body of ${header} bytes`, limit);
  }
}

function bodyStream(c: Context): Readable | Uint8Array {
  const body = c.req.raw.body;
  if (!body) return new Uint8Array();
  const stream = Readable.fromWeb(body as NodeReadableStream<Uint8Array>);
  stream.once("error", (error) => bodyErrors.add(error));
  return stream;
}

async function receiveRawBody(c: Context, upload: UploadContext, query: UploadQuery) {
  rejectOversizedLength(c, upload.maxUploadBytes);
  const format = parseFormat(query.format, "the format query parameter");
  if (query.fileName === undefined) {
    throw new ApiError(400, "INVALID_PARAMETER", "Missing fileName: set the fileName query parameter.");
  }
  const input: CreateImportInput = {
    fileName: query.fileName,
    format,
    mapping: parseMapping(query.mapping),
    content: bodyStream(c),
    maxBytes: upload.maxUploadBytes,
  };
  const { principal } = upload;
  return createImport(upload.db, upload.storage, principal.tenantId, input, principal.actor);
}

function multipartInput(
  fields: Map<string, string>,
  partFileName: string | undefined,
  content: Readable,
  maxBytes: number,
): CreateImportInput {
  const format = parseFormat(fields.get("format"), "the format field (before the file part)");
  const mapping = parseMapping(fields.get("mapping"));
  if (format === "csv" && mapping === undefined) {
    throw new ApiError(
      400,
      "MAPPING_REQUIRED",
      "A CSV import needs a mapping field, sent before the file part, with at least " +
        "one column mapped to loan_identifier.",
    );
  }
  const fileName = fields.get("fileName") ?? partFileName;
  if (!fileName) {
    throw new ApiError(400, "INVALID_PARAMETER", "Missing fileName: name the file part or send a fileName field.");
  }
  return { fileName, format, mapping, content, maxBytes };
}

function createParser(contentType: string | undefined): busboy.Busboy {
  try {
    return busboy({
      headers: { "content-type": contentType },
      limits: { files: 1, fields: MAX_FIELDS, fieldSize: MAX_FIELD_BYTES },
    });
  } catch (error) {
    // busboy throws here for a Content-Type without a boundary.
    throw invalidMultipart(`Invalid multipart Content-Type: ${(error as Error).message}.`);
  }
}

/**
 * Streams a multipart body through busboy. The import starts when the file
 * part arrives and from then on decides the outcome: later fields, parts
 * and trailing garbage are ignored, because the import may already be
 * recorded by the time they are read.
 */
function receiveMultipart(
  c: Context,
  upload: UploadContext,
  query: UploadQuery,
): Promise<CreatedImport> {
  rejectOversizedLength(c, upload.maxUploadBytes, MULTIPART_OVERHEAD_BYTES);
  const source = bodyStream(c);
  if (!(source instanceof Readable)) throw invalidMultipart("The multipart body is empty.");
  const { principal } = upload;
  const parser = createParser(c.req.header("content-type"));

  return new Promise<CreatedImport>((resolve, reject) => {
    // Query parameters serve as defaults; form fields override them.
    const fields = new Map<string, string>();
    for (const name of FIELD_NAMES) {
      const value = query[name as keyof UploadQuery];
      if (value !== undefined) fields.set(name, value);
    }
    let pending: Promise<CreatedImport> | undefined;
    let parserError: Error | undefined;
    let sourceError: Error | undefined;
    let settled = false;

    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      source.unpipe(parser);
      source.destroy();
      reject(error);
    };
    const failBeforeFile = (error: unknown) => {
      if (!pending) fail(error);
    };

    parser.on("field", (name, value, info) => {
      // Other fields, such as a tenant id, are ignored: the tenant comes
      // from the verified token only.
      if (pending || !FIELD_NAMES.has(name)) return;
      if (info.valueTruncated) {
        fail(invalidMultipart(`The ${name} field exceeds ${MAX_FIELD_BYTES} bytes.`));
        return;
      }
      fields.set(name, value);
    });

    parser.on("file", (name, stream, info) => {
      if (pending || name !== "file") {
        stream.resume();
        const partName = JSON.stringify(name.slice(0, 40));
        failBeforeFile(invalidMultipart(`Unexpected file part ${partName}: name the file part file.`));
        return;
      }
      try {
        const input = multipartInput(fields, info.filename, stream, upload.maxUploadBytes);
        pending = createImport(upload.db, upload.storage, principal.tenantId, input, principal.actor);
      } catch (error) {
        stream.resume();
        fail(error);
        return;
      }
      pending.then(
        (created) => {
          if (settled) return;
          settled = true;
          resolve(created);
        },
        (error: unknown) => {
          stream.resume();
          fail(sourceError ?? importFailure(error, parserError));
        },
      );
    });

    parser.on("fieldsLimit", () =>
      failBeforeFile(invalidMultipart(`More than ${MAX_FIELDS} fields: send format, fileName, mapping and file.`)),
    );
    parser.on("error", (error: Error) => {
      parserError = error;
      failBeforeFile(multipartParseError(error));
    });
    parser.on("close", () =>
      failBeforeFile(invalidMultipart("The multipart body has no part named file: attach the tape as the file field.")),
    );
    // Destroying the parser also destroys the file stream in flight, so an
    // aborted request fails the import instead of leaving it waiting. Once
    // the import has started, the request fails only after createImport has
    // settled, so its partial file is removed before the response is sent.
    source.on("error", (error) => {
      sourceError = error;
      parser.destroy(error);
      if (!pending) {
        fail(error);
        return;
      }
      pending.then(
        () => fail(error),
        () => fail(error),
      );
    });

    source.pipe(parser);
  });
}

/** Stores the uploaded tape and records its pending import; throws ApiError or ImportRequestError. */
export async function receiveUpload(
  c: Context,
  upload: UploadContext,
  query: UploadQuery,
): Promise<CreatedImport> {
  const contentType = c.req.header("content-type") ?? "";
  try {
    if (/^multipart\/form-data/i.test(contentType)) {
      return await receiveMultipart(c, upload, query);
    }
    // Any other type, including the application/x-www-form-urlencoded that
    // `curl --data-binary` sends by default, is the raw file.
    return await receiveRawBody(c, upload, query);
  } catch (error) {
    throw translateUploadError(error, upload.maxUploadBytes);
  }
}

function translateUploadError(error: unknown, limit: number): unknown {
  if (typeof error === "object" && error !== null && bodyErrors.has(error)) {
    return new RequestAbortedError(error);
  }
  if (error instanceof ImportRequestError && error.code === "FILE_TOO_LARGE") {
    return fileTooLarge("uploaded file", limit);
  }
  return error;
}
