// Builds the Tapeline HTTP API without listening, so tests can drive it
// with app.request() and the launcher can serve it. Also the package's
// public entry: it re-exports what the launcher needs.
import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { z } from "zod";
import { type AppBindings, type AppDependencies, type App } from "./context.ts";
import { ApiError, errorResponse, handleError } from "./errors.ts";
import { authenticate, requestLog, requireAuth } from "./middleware.ts";
import { registerDocumentRoutes } from "./routes/documents.ts";
import { registerEvidenceRoutes } from "./routes/evidence.ts";
import { registerImportRoutes } from "./routes/imports.ts";
import { registerLoanRoutes } from "./routes/loans.ts";
import { registerWebhookRoutes } from "./routes/webhooks.ts";
import { HealthSchema } from "./schemas.ts";

export { createAuthenticator, signDevelopmentToken, type Authenticator, type Principal } from "./auth.ts";
export { createApiLogger } from "./logger.ts";
export { readApiEnv, DEFAULT_MAX_UPLOAD_BYTES, type ApiEnv, type AuthConfig } from "./env.ts";
export { startServer, type RunningServer } from "./server.ts";
export type { AppDependencies, App } from "./context.ts";

interface ValidationFailure {
  success: boolean;
  target: string;
  error?: z.ZodError;
}

/** Longest part of a rejected value quoted back in an error message. */
const QUOTED_VALUE_LENGTH = 40;

/**
 * Turns the first zod issue of a path or query parameter into a 400 that
 * names the parameter and the value received. Path parameters are ids, so
 * their code is INVALID_ID.
 */
function rejectInvalidParameters(result: ValidationFailure, c: Context): void {
  if (result.success || !result.error) return;
  const issue = result.error.issues[0];
  const name = String(issue?.path[0] ?? result.target);
  const code = result.target === "param" ? "INVALID_ID" : "INVALID_PARAMETER";
  const value = result.target === "query" ? c.req.query(name) : c.req.param(name);
  const quoted = value === undefined ? "" : ` ${JSON.stringify(value.slice(0, QUOTED_VALUE_LENGTH))}`;
  throw new ApiError(400, code, `Invalid ${name}${quoted}: ${issue?.message ?? "invalid value"}.`);
}

const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["health"],
  summary: "Liveness: the process serves requests (the database is not checked)",
  responses: {
    200: { description: "Alive", content: { "application/json": { schema: HealthSchema } } },
  },
});

export function createApp(deps: AppDependencies): App {
  const app: App = new OpenAPIHono<AppBindings>({ defaultHook: rejectInvalidParameters });

  app.use("*", requestLog(deps.logger));
  app.use("/v1/*", authenticate(deps.auth));
  app.use("/v1/*", requireAuth);

  app.onError((error, c) => handleError(error, c, deps.logger));
  app.notFound((c) =>
    errorResponse(
      c,
      new ApiError(404, "ROUTE_NOT_FOUND", `No route for ${c.req.method} ${c.req.path}.`),
    ),
  );

  app.openapi(healthRoute, (c) => c.json({ status: "ok" as const }, 200));
  registerImportRoutes(app, deps);
  registerLoanRoutes(app, deps);
  registerDocumentRoutes(app, deps);
  registerEvidenceRoutes(app, deps);
  registerWebhookRoutes(app, deps);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "A JWT whose tenant_id claim names the tenant and sub the user",
  });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/openapi.json",
    tags: ["health"],
    summary: "This OpenAPI document",
    responses: { 200: { description: "The OpenAPI 3.1 document" } },
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Tapeline API",
      version: "0.1.0",
      description: "Loan tapes, loans and datapoints with lineage, scoped to the token's tenant.",
    },
  });
  return app;
}
