import { describe, expect, it } from "vitest";
import { ApiConfigError, DEFAULT_MAX_UPLOAD_BYTES, readApiEnv } from "./env.ts";

const SECRET = "s".repeat(32);

function configError(env: Record<string, string>): string {
  try {
    readApiEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiConfigError);
    return (error as Error).message;
  }
  throw new Error("readApiEnv accepted an invalid environment");
}

describe("readApiEnv", () => {
  it("defaults to loopback and port 3000", () => {
    const env = readApiEnv({ TAPELINE_JWT_SECRET: SECRET, TAPELINE_DATA_DIR: "/tmp/tapeline-env" });
    expect(env.host).toBe("127.0.0.1");
    expect(env.port).toBe(3000);
    expect(env.maxUploadBytes).toBe(DEFAULT_MAX_UPLOAD_BYTES);
    expect(env.storageDir).toBe("/tmp/tapeline-env/storage");
    expect(env.auth).toEqual({ mode: "development", secret: SECRET });
  });

  it("reads production JWKS settings", () => {
    const env = readApiEnv({
      TAPELINE_JWKS_URL: "https://id.example.com/.well-known/jwks.json",
      TAPELINE_JWT_ISSUER: "https://id.example.com/",
      TAPELINE_JWT_AUDIENCE: "tapeline-api",
    });
    expect(env.auth).toEqual({
      mode: "production",
      jwksUrl: "https://id.example.com/.well-known/jwks.json",
      issuer: "https://id.example.com/",
      audience: "tapeline-api",
    });
  });

  it("rejects a secret under 32 bytes", () => {
    expect(configError({ TAPELINE_JWT_SECRET: "short" })).toContain("TAPELINE_JWT_SECRET");
  });

  it("rejects no verification configured", () => {
    expect(configError({})).toContain("TAPELINE_JWT_SECRET");
  });

  it("rejects both secret and JWKS", () => {
    const message = configError({
      TAPELINE_JWT_SECRET: SECRET,
      TAPELINE_JWKS_URL: "https://id.example.com/jwks.json",
    });
    expect(message).toContain("not both");
  });

  it("rejects JWKS without issuer and audience", () => {
    const message = configError({ TAPELINE_JWKS_URL: "https://id.example.com/jwks.json" });
    expect(message).toContain("TAPELINE_JWT_ISSUER");
  });

  it("rejects a non-numeric port", () => {
    expect(configError({ TAPELINE_JWT_SECRET: SECRET, PORT: "http" })).toContain("PORT");
  });
});
