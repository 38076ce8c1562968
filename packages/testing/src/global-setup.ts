// Vitest global setup: one PostgreSQL per test run (DATABASE_URL, or an
// embedded server in a temporary folder), and a template database migrated
// once. Each test file clones its own database from the template.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import {
  createLogger,
  migrateDatabase,
  startEmbeddedPostgres,
  withDatabase,
  type RunningEmbeddedPostgres,
} from "@tapeline/db";
import { createDatabase, dropDatabase } from "@tapeline/db/admin";
import "./provided-context.ts";

async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === "object" && address) resolve(address.port);
        else reject(new Error("no port assigned"));
      });
    });
  });
}

export default async function setup(project: TestProject) {
  const logger = createLogger("test-setup");
  let embedded: RunningEmbeddedPostgres | undefined;
  let dataDir: string | undefined;
  let maintenanceUrl = process.env.DATABASE_URL;

  if (!maintenanceUrl) {
    dataDir = await mkdtemp(path.join(tmpdir(), "tapeline-test-"));
    embedded = await startEmbeddedPostgres({
      dataDir,
      port: await findFreePort(),
      ephemeral: true,
      settings: ["fsync=off", "synchronous_commit=off", "full_page_writes=off"],
    });
    maintenanceUrl = embedded.maintenanceUrl;
  }

  const templateDatabase = `tapeline_template_${randomBytes(4).toString("hex")}`;
  const appPassword = randomBytes(18).toString("base64url");
  const relayPassword = randomBytes(18).toString("base64url");
  await createDatabase(maintenanceUrl, templateDatabase);
  await migrateDatabase({
    adminUrl: withDatabase(maintenanceUrl, templateDatabase),
    appPassword,
    relayPassword,
  });
  logger.debug({ templateDatabase }, "template database migrated");

  project.provide("tapeline", { maintenanceUrl, templateDatabase, appPassword, relayPassword });

  return async () => {
    await dropDatabase(maintenanceUrl, templateDatabase);
    await embedded?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
}
