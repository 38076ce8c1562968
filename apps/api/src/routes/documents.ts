// POST and GET /v1/loans/{loanId}/documents, GET /v1/documents/{documentId}.
// The upload body is the raw PDF; it is read into memory up to the upload
// limit, because pdf.js needs the whole file to count pages and detect the
// form.
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  getDocument,
  listDocuments,
  uploadDocument,
  type DocumentDetail,
  type DocumentSummary,
} from "@tapeline/evidence";
import { DEFAULT_MAX_UPLOAD_BYTES } from "../env.ts";
import { authErrorDocs, errorDoc, principalOf, type App, type AppDependencies } from "../context.ts";
import { ApiError } from "../errors.ts";
import { withEvidenceErrors } from "../evidence-errors.ts";
import {
  DocumentDetailSchema,
  DocumentIdParams,
  DocumentListSchema,
  LoanIdParams,
  UploadDocumentQuery,
  UploadedDocumentSchema,
  withIsoDates,
} from "./evidence-schemas.ts";

const uploadRoute = createRoute({
  method: "post",
  path: "/v1/loans/{loanId}/documents",
  tags: ["documents"],
  summary: "Upload a PDF document to a loan",
  description:
    "Send the PDF as the raw body (Content-Type application/pdf) with fileName in the " +
    "query string. Extraction runs asynchronously; poll GET /v1/documents/{documentId}. " +
    "Uploading the same bytes to the same loan again returns the existing document.",
  security: [{ bearerAuth: [] }],
  request: {
    params: LoanIdParams,
    query: UploadDocumentQuery,
    body: {
      required: true,
      content: { "application/pdf": { schema: { type: "string", format: "binary" } } },
    },
  },
  responses: {
    201: {
      description: "The document is stored and its extraction is pending",
      content: { "application/json": { schema: UploadedDocumentSchema } },
    },
    200: {
      description: "The loan already has a document with these bytes; it is returned",
      content: { "application/json": { schema: UploadedDocumentSchema } },
    },
    400: errorDoc("Not a PDF, an empty or unreadable file, or an invalid fileName"),
    404: errorDoc("No such loan for this tenant"),
    413: errorDoc("The file exceeds the upload limit"),
    ...authErrorDocs,
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/loans/{loanId}/documents",
  tags: ["documents"],
  summary: "The loan's documents, oldest first",
  security: [{ bearerAuth: [] }],
  request: { params: LoanIdParams },
  responses: {
    200: { description: "The documents", content: { "application/json": { schema: DocumentListSchema } } },
    400: errorDoc("loanId is not a UUID"),
    404: errorDoc("No such loan for this tenant"),
    ...authErrorDocs,
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/documents/{documentId}",
  tags: ["documents"],
  summary: "One document with its extracted datapoints and their evidence",
  security: [{ bearerAuth: [] }],
  request: { params: DocumentIdParams },
  responses: {
    200: {
      description: "The document; each datapoint names its page, evidence hash, confidence and extractor",
      content: { "application/json": { schema: DocumentDetailSchema } },
    },
    400: errorDoc("documentId is not a UUID"),
    404: errorDoc("No such document for this tenant"),
    ...authErrorDocs,
  },
});

function tooLarge(limit: number, size: number | string): ApiError {
  return new ApiError(
    413,
    "PDF_TOO_LARGE",
    `The uploaded file is ${size} bytes, over the limit of ${limit} bytes; split or ` +
      "compress the PDF, or raise the configured maximum upload size.",
  );
}

/** Reads the body, stopping as soon as it passes `limit` bytes. */
async function readBody(c: Context, limit: number): Promise<Uint8Array> {
  const declared = c.req.header("content-length");
  if (declared && /^\d+$/.test(declared) && Number(declared) > limit) {
    throw tooLarge(limit, declared);
  }
  const body = c.req.raw.body;
  if (!body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) throw tooLarge(limit, `more than ${limit}`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The document without its datapoints, as the upload response carries it. */
function summaryOf(detail: DocumentDetail): DocumentSummary {
  const summary: Partial<DocumentDetail> = { ...detail };
  delete summary.datapoints;
  return summary as DocumentSummary;
}

export function registerDocumentRoutes(app: App, deps: AppDependencies): void {
  const limit = deps.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;

  app.openapi(uploadRoute, async (c) => {
    const { loanId } = c.req.valid("param");
    const { fileName } = c.req.valid("query");
    const { tenantId, actor } = principalOf(c);
    const content = await readBody(c, limit);
    const uploaded = await withEvidenceErrors(() =>
      uploadDocument(deps.db, deps.storage, tenantId, { loanId, fileName, content, maxBytes: limit }, actor),
    );
    const detail = await deps.db.tenant(tenantId, (tx) => getDocument(tx, uploaded.documentId), { actor });
    if (!detail) throw new Error(`document ${uploaded.documentId} vanished after upload`);
    c.header("Location", `/v1/documents/${uploaded.documentId}`);
    const body = { ...withIsoDates(summaryOf(detail)), duplicate: uploaded.duplicate };
    return uploaded.duplicate ? c.json(body, 200) : c.json(body, 201);
  });

  app.openapi(listRoute, async (c) => {
    const { loanId } = c.req.valid("param");
    const { tenantId, actor } = principalOf(c);
    const documents = await withEvidenceErrors(() =>
      deps.db.tenant(tenantId, (tx) => listDocuments(tx, loanId), { actor }),
    );
    if (!documents) throw new ApiError(404, "LOAN_NOT_FOUND", `No loan with id ${loanId}.`);
    return c.json({ items: documents.map((document) => withIsoDates(document)) }, 200);
  });

  app.openapi(getRoute, async (c) => {
    const { documentId } = c.req.valid("param");
    const { tenantId, actor } = principalOf(c);
    const detail = await withEvidenceErrors(() =>
      deps.db.tenant(tenantId, (tx) => getDocument(tx, documentId), { actor }),
    );
    // Another tenant's document is invisible under row-level security, so
    // it gets this same response: nothing reveals that it exists.
    if (!detail) throw new ApiError(404, "DOCUMENT_NOT_FOUND", `No document with id ${documentId}.`);
    const datapoints = detail.datapoints.map((point) => withIsoDates(point));
    return c.json({ ...withIsoDates(detail), datapoints }, 200);
  });
}
