// Types shared by the app, its middleware and its routes.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { FileStorage } from "@tapeline/core/storage";
import type { AppDatabase, Logger } from "@tapeline/db";
import type { Authenticator, Principal } from "./auth.ts";
import { ApiError } from "./errors.ts";
import { ErrorSchema } from "./schemas.ts";

export interface AppBindings {
  Variables: {
    requestId: string;
    /** Set once the bearer token is verified. */
    principal?: Principal;
    /** The verified token's tenant, repeated here for log lines. */
    tenantId?: string;
    /** The authentication failure that requireAuth raises on /v1 routes. */
    authFailure?: ApiError;
  };
}

export type App = OpenAPIHono<AppBindings>;

export interface AppDependencies {
  db: AppDatabase;
  storage: FileStorage;
  auth: Authenticator;
  logger: Logger;
  /** Upload limit in bytes; DEFAULT_MAX_UPLOAD_BYTES when absent. */
  maxUploadBytes?: number;
}

/** Returns the verified principal; every /v1 route runs after requireAuth has set it. */
export function principalOf(c: Context<AppBindings>): Principal {
  const principal = c.get("principal");
  if (!principal) throw new ApiError(401, "UNAUTHENTICATED", "Authentication is required.");
  return principal;
}

/** Describes an error response for a route's OpenAPI `responses`. */
export function errorDoc(description: string) {
  return { description, content: { "application/json": { schema: ErrorSchema } } };
}

/** Error responses every authenticated route can return. */
export const authErrorDocs = {
  401: errorDoc("Missing, invalid or expired bearer token"),
  503: errorDoc("Token signing keys unavailable"),
};
