// POST /v1/imports (upload a loan tape) and GET /v1/imports/{importId}.
import { createRoute } from "@hono/zod-openapi";
import { getImport, type ImportDetail } from "@tapeline/core/loans";
import { DEFAULT_MAX_UPLOAD_BYTES } from "../env.ts";
import { authErrorDocs, errorDoc, principalOf, type App, type AppDependencies } from "../context.ts";
import { ApiError } from "../errors.ts";
import {
  ImportCreatedSchema,
  ImportDetailSchema,
  ImportParamsSchema,
  ImportQuerySchema,
  UploadQuerySchema,
} from "../schemas.ts";
import { receiveUpload } from "../upload.ts";

// Plain OpenAPI schemas, not zod: a zod body schema would make the route
// parse (and buffer) the whole body before the handler streams it.
const multipartBody = {
  type: "object" as const,
  required: ["file", "format"],
  properties: {
    format: { type: "string" as const, enum: ["hmda", "csv"] },
    fileName: { type: "string" as const, description: "Defaults to the file part's name" },
    mapping: {
      type: "string" as const,
      description: "CSV only: JSON object of header column → field key",
    },
    file: { type: "string" as const, format: "binary" },
  },
};

const createImportRoute = createRoute({
  method: "post",
  path: "/v1/imports",
  tags: ["imports"],
  summary: "Upload a loan tape for import",
  description:
    "Send the file as the raw body, of any content type but multipart, with format " +
    "and fileName (and, for CSV, mapping) in the query string, or as " +
    "multipart/form-data whose format, fileName and " +
    "mapping fields come before the file part. The import is processed " +
    "asynchronously; poll GET /v1/imports/{importId} for its status.",
  security: [{ bearerAuth: [] }],
  request: {
    query: UploadQuerySchema,
    body: {
      required: true,
      content: {
        "multipart/form-data": { schema: multipartBody },
        "application/octet-stream": { schema: { type: "string", format: "binary" } },
        "text/plain": { schema: { type: "string" } },
        "text/csv": { schema: { type: "string" } },
      },
    },
  },
  responses: {
    202: {
      description: "The tape is stored and its import is pending",
      content: { "application/json": { schema: ImportCreatedSchema } },
    },
    400: errorDoc("Invalid format, file name or mapping, or an empty file"),
    403: errorDoc("The token's tenant does not exist"),
    413: errorDoc("The file exceeds the upload limit"),
    ...authErrorDocs,
  },
});

const getImportRoute = createRoute({
  method: "get",
  path: "/v1/imports/{importId}",
  tags: ["imports"],
  summary: "An import's status, counts, mapping and a page of its error rows",
  security: [{ bearerAuth: [] }],
  request: { params: ImportParamsSchema, query: ImportQuerySchema },
  responses: {
    200: {
      description: "The import; errors.nextCursor pages through its error rows",
      content: { "application/json": { schema: ImportDetailSchema } },
    },
    400: errorDoc("importId is not a UUID, or an invalid errorsLimit or errorsCursor"),
    404: errorDoc("No such import for this tenant"),
    ...authErrorDocs,
  },
});

function serializeImport(detail: ImportDetail) {
  return {
    ...detail,
    createdAt: detail.createdAt.toISOString(),
    startedAt: detail.startedAt?.toISOString() ?? null,
    completedAt: detail.completedAt?.toISOString() ?? null,
  };
}

export function registerImportRoutes(app: App, deps: AppDependencies): void {
  app.openapi(createImportRoute, async (c) => {
    const query = c.req.valid("query");
    const created = await receiveUpload(c, {
      db: deps.db,
      storage: deps.storage,
      maxUploadBytes: deps.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
      principal: principalOf(c),
    }, query);
    c.header("Location", `/v1/imports/${created.importId}`);
    return c.json({ ...created, status: "pending" as const }, 202);
  });

  app.openapi(getImportRoute, async (c) => {
    const { importId } = c.req.valid("param");
    const query = c.req.valid("query");
    const { tenantId, actor } = principalOf(c);
    const detail = await deps.db.tenant(
      tenantId,
      (tx) => getImport(tx, importId, query),
      { actor },
    );
    // Another tenant's import is invisible under row-level security, so it
    // gets this same response: nothing reveals that it exists.
    if (!detail) throw new ApiError(404, "IMPORT_NOT_FOUND", `No import with id ${importId}.`);
    return c.json(serializeImport(detail), 200);
  });
}
