// Bearer-token authentication. A token is a JWT verified with jose: HS256
// and a shared secret in development, or the keys of a remote JWKS in
// production. The tenant comes only from the verified token's `tenant_id`
// claim and the actor from `sub`. No header, path or body can change either.
import { webcrypto } from "node:crypto";
import {
  SignJWT,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from "jose";
import { parseTenantId, InvalidTenantIdError } from "@tapeline/db";
import type { AuthConfig } from "./env.ts";
import { ApiError } from "./errors.ts";

/** Issuer and audience of development tokens; the development verifier requires both. */
export const DEVELOPMENT_ISSUER = "tapeline-development";
export const DEVELOPMENT_AUDIENCE = "tapeline-api";

/** Asymmetric algorithms accepted from a JWKS. HS* is rejected, so a public key cannot serve as an HMAC secret. */
const JWKS_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

/**
 * Maximum remaining lifetime, in seconds, of an accepted token. A token
 * without `exp` is rejected, so a leaked token cannot work forever.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;

/** Control characters (C0, DEL and C1), which an actor name must not contain. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

export interface Principal {
  tenantId: string;
  /** The token's `sub`: recorded as the actor on audits and created_by columns. */
  actor: string;
}

export interface Authenticator {
  /** Verifies a bearer token; throws ApiError 401 (invalid) or 503 (keys unavailable). */
  verify(token: string): Promise<Principal>;
}

function invalidToken(message: string, cause?: unknown): ApiError {
  return new ApiError(
    401,
    "INVALID_TOKEN",
    message,
    { "WWW-Authenticate": 'Bearer error="invalid_token"' },
    { cause },
  );
}

/**
 * Maps a verification failure to a response that names the reason without
 * echoing the token. With a remote JWKS, a failed key fetch (network error,
 * timeout, HTTP status or malformed key set) becomes 503, not 401.
 */
function toAuthError(error: unknown, remoteKeys: boolean): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof errors.JWTExpired) {
    return invalidToken("The bearer token has expired: request a new token.", error);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return invalidToken("The bearer token's signature is invalid.", error);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === "missing") {
      return invalidToken(`The bearer token has no ${error.claim} claim: request a token that expires.`, error);
    }
    return invalidToken(`The bearer token's ${error.claim} claim is invalid: ${error.reason}.`, error);
  }
  // jose throws its base JOSEError for a non-200 JWKS response.
  const keysUnavailable =
    remoteKeys &&
    (error instanceof errors.JWKSTimeout ||
      error instanceof errors.JWKSInvalid ||
      !(error instanceof errors.JOSEError) ||
      error.constructor === errors.JOSEError);
  if (keysUnavailable) {
    return new ApiError(
      503,
      "AUTH_UNAVAILABLE",
      "The token signing keys could not be fetched: retry shortly.",
      { "Retry-After": "5" },
      { cause: error },
    );
  }
  if (error instanceof errors.JOSEError) {
    return invalidToken("The bearer token is not a valid JWT for this service.", error);
  }
  throw error;
}

function toPrincipal(payload: JWTPayload): Principal {
  if (payload.tenant_id === undefined) {
    throw invalidToken("The bearer token has no tenant_id claim: request a token issued for a tenant.");
  }
  let tenantId: string;
  try {
    tenantId = parseTenantId(payload.tenant_id);
  } catch (error) {
    if (error instanceof InvalidTenantIdError) {
      throw invalidToken("The bearer token's tenant_id claim is not a tenant UUID.", error);
    }
    throw error;
  }
  if (typeof payload.sub !== "string" || payload.sub.trim() === "") {
    throw invalidToken("The bearer token has no sub claim naming the user.");
  }
  if (CONTROL_CHARACTERS.test(payload.sub)) {
    throw invalidToken("The bearer token's sub claim contains control characters: request a token whose sub is a plain user name.");
  }
  return { tenantId, actor: payload.sub };
}

/** Rejects a token whose `exp` lies further ahead than MAX_TOKEN_LIFETIME_SECONDS. */
function rejectLongLifetime(payload: JWTPayload): void {
  const now = Math.floor(Date.now() / 1000);
  if (payload.exp !== undefined && payload.exp - now > MAX_TOKEN_LIFETIME_SECONDS) {
    throw invalidToken(
      `The bearer token's exp claim is more than ${MAX_TOKEN_LIFETIME_SECONDS} seconds ` +
        "ahead: request a token with a shorter lifetime.",
    );
  }
}

/**
 * Imports the HS256 secret as a WebCrypto key once. jose imports a
 * Uint8Array secret again on every jwtVerify call (jose 6.2).
 */
function importHmacKey(secret: string): Promise<webcrypto.CryptoKey> {
  return webcrypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
}

/** Creates the verifier for the configured mode. */
export function createAuthenticator(config: AuthConfig): Authenticator {
  let key: Promise<webcrypto.CryptoKey> | JWTVerifyGetKey;
  let options: Parameters<typeof jwtVerify>[2];
  if (config.mode === "development") {
    key = importHmacKey(config.secret);
    options = {
      algorithms: ["HS256"],
      issuer: DEVELOPMENT_ISSUER,
      audience: DEVELOPMENT_AUDIENCE,
      requiredClaims: ["exp"],
    };
  } else {
    key = createRemoteJWKSet(new URL(config.jwksUrl));
    options = {
      algorithms: JWKS_ALGORITHMS,
      issuer: config.issuer,
      audience: config.audience,
      requiredClaims: ["exp"],
    };
  }

  return {
    async verify(token) {
      try {
        const { payload } =
          typeof key === "function"
            ? await jwtVerify(token, key, options)
            : await jwtVerify(token, await key, options);
        rejectLongLifetime(payload);
        return toPrincipal(payload);
      } catch (error) {
        throw toAuthError(error, config.mode === "production");
      }
    },
  };
}

export interface DevelopmentTokenOptions {
  secret: string;
  tenantId: string;
  subject: string;
  /** Lifetime in seconds; default 12 hours. */
  expiresInSeconds?: number;
}

/** Signs an HS256 token that the development verifier accepts; never for production use. */
export async function signDevelopmentToken(options: DevelopmentTokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ tenant_id: parseTenantId(options.tenantId) })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(options.subject)
    .setIssuer(DEVELOPMENT_ISSUER)
    .setAudience(DEVELOPMENT_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInSeconds ?? 12 * 60 * 60))
    .sign(new TextEncoder().encode(options.secret));
}
