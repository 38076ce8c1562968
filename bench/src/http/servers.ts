// Child process of the HTTP figures, so the servers get an event loop of
// their own while autocannon loads them from the parent. Serves, on
// 127.0.0.1 only:
//   - the Tapeline app (createApp: auth, request log, db.tenant, Drizzle),
//     with one extra route, /v1/raw-loans/{loanId}, that passes the same
//     middleware and answers the same JSON as /v1/loans/{loanId} but reads
//     through raw postgres.js without a transaction as a BYPASSRLS role;
//   - a plain Hono app on @hono/node-server with only GET /healthz, the
//     framework's floor, to split the http figure's gap into framework and
//     middleware;
//   - a bare node:http server answering GET /healthz as the app does.
// Reads its configuration from BENCH_HTTP_CONFIG (JSON) and reports
// readiness with process.send("ready").
import { createServer } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import postgres from "postgres";
import {
  createApiLogger,
  createApp,
  createAuthenticator,
  startServer,
  type App,
} from "@tapeline/api";
import { FileStorage } from "@tapeline/core/storage";
import { connectApp } from "@tapeline/db";

export interface HttpServersConfig {
  appUrl: string;
  bypassUrl: string;
  secret: string;
  host: string;
  appPort: number;
  honoPort: number;
  barePort: number;
  poolSize: number;
  /** getLoan's two statements, as Drizzle renders them ($1 tenant id, $2 loan id). */
  loanSql: string;
  datapointsSql: string;
}

const config = JSON.parse(process.env.BENCH_HTTP_CONFIG ?? "{}") as HttpServersConfig;

interface DatapointRow {
  id: string;
  key: string;
  value: string;
  value_number: string | null;
  source: "extraction" | "tape" | "manual";
  confidence: string | null;
  evidence_doc_id: string | null;
  file_name: string | null;
  evidence_page: number | null;
  evidence_text_hash: string | null;
  evidence_text: string | null;
  extractor_kind: "deterministic" | "model" | null;
  extractor_version: string | null;
  prompt_version: string | null;
  import_id: string | null;
  import_row_number: number | null;
  created_by: string | null;
  created_at: Date;
}

function serializeDatapoint(row: DatapointRow) {
  const hasExtractor = row.extractor_kind !== null || row.extractor_version !== null;
  return {
    id: row.id,
    key: row.key,
    value: row.value,
    valueNumber: row.value_number,
    lineage: {
      source: row.source,
      confidence: row.confidence === null ? null : Number(row.confidence),
      evidence:
        row.evidence_doc_id === null
          ? null
          : {
              documentId: row.evidence_doc_id,
              fileName: row.file_name,
              page: row.evidence_page,
              textHash: row.evidence_text_hash,
              text: row.evidence_text,
            },
      extractor: hasExtractor
        ? { kind: row.extractor_kind, version: row.extractor_version, promptVersion: row.prompt_version }
        : null,
      import: row.import_id === null ? null : { importId: row.import_id, rowNumber: row.import_row_number },
      createdBy: row.created_by,
      createdAt: row.created_at.toISOString(),
    },
  };
}

/** Adds the raw-path twin of GET /v1/loans/{loanId}. */
function addRawLoanRoute(app: App, raw: postgres.Sql): void {
  app.get("/v1/raw-loans/:loanId", async (c) => {
    const principal = c.get("principal");
    if (!principal) return c.json({ error: { code: "UNAUTHENTICATED", message: "" } }, 401);
    const loanId = c.req.param("loanId");
    const params = [principal.tenantId, loanId];
    // Sent together as getLoan sends them; the pool runs them on two
    // connections at once.
    const [[loan], rows] = await Promise.all([
      raw.unsafe<{ id: string; loan_number: string; created_at: Date; updated_at: Date }[]>(
        config.loanSql,
        params,
        { prepare: true },
      ),
      raw.unsafe<DatapointRow[]>(config.datapointsSql, params, { prepare: true }),
    ]);
    if (!loan) return c.json({ error: { code: "LOAN_NOT_FOUND", message: `No loan with id ${loanId}.` } }, 404);
    return c.json(
      {
        id: loan.id,
        loanNumber: loan.loan_number,
        createdAt: loan.created_at.toISOString(),
        updatedAt: loan.updated_at.toISOString(),
        datapoints: rows.map(serializeDatapoint),
      },
      200,
    );
  });
}

function startBareServer(host: string, port: number): Promise<void> {
  const body = JSON.stringify({ status: "ok" });
  const server = createServer((request, response) => {
    if (request.method === "GET" && request.url === "/healthz") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(body);
      return;
    }
    response.writeHead(404, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: { code: "ROUTE_NOT_FOUND", message: "No route." } }));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
}

function startPlainHono(host: string, port: number): Promise<void> {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, () => resolve());
    server.once("error", reject);
  });
}

async function main(): Promise<void> {
  // The API's own logger settings, with the lines going to /dev/null, so
  // logging costs what it costs on stdout minus the reader of the pipe.
  const logger = createApiLogger("/dev/null");
  const storageDir = await mkdtemp(path.join(tmpdir(), "tapeline-bench-storage-"));
  const db = connectApp(config.appUrl, { max: config.poolSize, applicationName: "tapeline-bench-api" });
  const raw = postgres(config.bypassUrl, { max: config.poolSize, onnotice: () => {} });
  const app = createApp({
    db,
    storage: new FileStorage(storageDir),
    auth: createAuthenticator({ mode: "development", secret: config.secret }),
    logger,
  });
  addRawLoanRoute(app, raw);
  const server = await startServer({ app, host: config.host, port: config.appPort, logger });
  await startPlainHono(config.host, config.honoPort);
  await startBareServer(config.host, config.barePort);
  process.send?.("ready");

  process.once("disconnect", () => {
    void (async () => {
      await server.close();
      await Promise.all([db.close(), raw.end()]);
      await rm(storageDir, { recursive: true, force: true });
      process.exit(0);
    })();
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`HTTP servers failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
