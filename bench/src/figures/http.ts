// HTTP figures: api-route (GET /v1/loans/{loanId} through the whole stack
// against the same route reading through raw postgres.js) and http (the
// app's static /healthz against bare node:http). The servers run in a child
// process; autocannon loads them from here, without pipelining.
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { signDevelopmentToken } from "@tapeline/api";
import { getLoanQueries } from "@tapeline/core/loans";
import { judge, pick, type BenchContext, type FigureResult, type Goal } from "../context.ts";
import type { HttpServersConfig } from "../http/servers.ts";
import { compare, round3, type Sample, type Side } from "../measure.ts";

const HOST = "127.0.0.1";
/** First of three consecutive ports: app, plain Hono, bare node:http. */
const DEFAULT_HTTP_PORT = 3346;
const serversEntry = path.join(path.dirname(fileURLToPath(import.meta.url)), "../http/servers.ts");

function startServers(config: HttpServersConfig): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(serversEntry, [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, BENCH_HTTP_CONFIG: JSON.stringify(config) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.once("message", (message) => {
      if (message === "ready") resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`HTTP server process exited with code ${code}`)));
  });
}

function stopServers(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.disconnect();
  });
}

/** One autocannon run; throws when any response was not 2xx. */
async function load(
  ctx: BenchContext,
  url: string,
  options: { headers?: Record<string, string>; paths?: string[] },
): Promise<Sample> {
  let counter = 0;
  const paths = options.paths;
  const result = await autocannon({
    url,
    connections: ctx.mode.httpConnections,
    pipelining: 1,
    duration: ctx.mode.httpSeconds,
    headers: options.headers,
    requests: paths
      ? [{ setupRequest: (request) => ({ ...request, path: pick(paths, counter++) }) }]
      : undefined,
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `${url}: ${result.non2xx} non-2xx responses, ${result.errors} errors, ` +
        `${result.timeouts} timeouts out of ${result.requests.total}`,
    );
  }
  return {
    value: result.requests.total / result.duration,
    detail: {
      requests: result.requests.total,
      p50Ms: round3(result.latency.p50),
      p99Ms: round3(result.latency.p99),
    },
  };
}

function side(label: string, run: () => Promise<Sample>): Side {
  return { label, run };
}

async function compareHttp(
  ctx: BenchContext,
  spec: { id: string; ours: Side; baseline: Side; goal: Goal },
): Promise<FigureResult> {
  ctx.log(`${spec.id}: ${spec.ours.label} against ${spec.baseline.label}`);
  const comparison = await compare({ ours: spec.ours, baseline: spec.baseline, rounds: ctx.mode.rounds });
  return {
    id: spec.id,
    ours: spec.ours.label,
    baseline: spec.baseline.label,
    unit: "req/s",
    goal: spec.goal,
    status: judge(spec.goal, comparison),
    comparison,
    facts: { connections: ctx.mode.httpConnections, pipelining: 1 },
  };
}

/** Reads TAPELINE_BENCH_HTTP_PORT, the first of the three server ports. */
function readFirstPort(): number {
  const text = process.env.TAPELINE_BENCH_HTTP_PORT;
  if (text === undefined || text === "") return DEFAULT_HTTP_PORT;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1024 || port > 65533) {
    throw new Error(
      `Invalid TAPELINE_BENCH_HTTP_PORT ${JSON.stringify(text)}: use a port from 1024 to 65533; ` +
        "the HTTP figures listen on it and the next two ports.",
    );
  }
  return port;
}

export async function httpFigures(ctx: BenchContext): Promise<FigureResult[]> {
  const appPort = readFirstPort();
  const honoPort = appPort + 1;
  const barePort = appPort + 2;
  const secret = randomBytes(32).toString("base64url");
  const child = await startServers({
    appUrl: ctx.cluster.appUrl,
    bypassUrl: ctx.cluster.bypassUrl,
    secret,
    host: HOST,
    appPort,
    honoPort,
    barePort,
    poolSize: ctx.mode.concurrency,
    // getLoan's own SQL, so the raw twin route sends the same statements.
    loanSql: getLoanQueries.loan.sql,
    datapointsSql: getLoanQueries.datapoints.sql,
  });
  try {
    const token = await signDevelopmentToken({
      secret,
      tenantId: ctx.data.largeTenantId,
      subject: "bench@example.com",
    });
    const headers = { authorization: `Bearer ${token}` };
    const ids = ctx.samples.loanIds;
    const appBase = `http://${HOST}:${appPort}`;
    const apiRoute = await compareHttp(ctx, {
      id: "api-route",
      ours: side("GET /v1/loans/{loanId}: JWT, request log, db.tenant(), getLoan", () =>
        load(ctx, appBase, { headers, paths: ids.map((id) => `/v1/loans/${id}`) }),
      ),
      baseline: side("the same route and middleware, handler reading through raw postgres.js", () =>
        load(ctx, appBase, { headers, paths: ids.map((id) => `/v1/raw-loans/${id}`) }),
      ),
      goal: { kind: "at-least", value: 0.75, text: ">= 0.75" },
    });
    const http = await compareHttp(ctx, {
      id: "http",
      ours: side("GET /healthz through the app (Hono, request id, request log)", () =>
        load(ctx, `${appBase}/healthz`, {}),
      ),
      baseline: side("GET /healthz from bare node:http", () =>
        load(ctx, `http://${HOST}:${barePort}/healthz`, {}),
      ),
      goal: { kind: "at-least", value: 0.84, text: ">= 0.84" },
    });
    const framework = await compareHttp(ctx, {
      id: "http-framework",
      ours: side("GET /healthz from a plain Hono app on @hono/node-server", () =>
        load(ctx, `http://${HOST}:${honoPort}/healthz`, {}),
      ),
      baseline: side("GET /healthz from bare node:http", () =>
        load(ctx, `http://${HOST}:${barePort}/healthz`, {}),
      ),
      goal: { kind: "report", text: "report: the framework's share of the http gap" },
    });
    return [apiRoute, http, framework];
  } finally {
    await stopServers(child);
  }
}
