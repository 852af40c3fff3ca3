/**
 * A real bridge for HTTP-level tests: simulated PBXs on loopback as upstreams, the bridge's HTTP
 * server on a free port, and one `close()` that stops everything in the right order.
 */
import { type Bridge, type BridgeOptions, createBridge, createLogger, type UpstreamSpec } from "../../core/bridge/mod.ts";
import type { Files, HttpServer, Runtime } from "../../core/ports.ts";
import { SimulatedPbx, type SimulatedPbxOptions } from "../../core/sim/mod.ts";
import { currentRuntime } from "./runtime.ts";

/** Fast call timing for tests: a short call lives about 30 ms. */
export const FAST_CALLS = { setupMs: 1, answerMs: 5, talkMs: 20, longCallMs: 10_000 };

/** Options for {@link startTestBridge}. */
export interface TestBridgeOptions extends Partial<Omit<BridgeOptions, "runtime" | "upstreams">> {
  /** Upstream names; one simulated PBX is started for each. Default `["pbx1"]`. */
  servers?: string[];
  /** Options for every simulated PBX. */
  pbx?: Partial<SimulatedPbxOptions>;
  /** Wait until every upstream is ready. Default true. */
  waitReady?: boolean;
  /** Upstream URL user:secret. Default `hello:world` (all rights in the captures' config). */
  credentials?: string;
  /** Serve every simulated PBX over TLS with this certificate and key; the upstream URLs become `amis://`. */
  tls?: { cert: string; key: string };
  /** Further settings for every upstream (`tls`, timeouts …). */
  upstream?: Partial<Omit<UpstreamSpec, "name" | "url">>;
  /** Replaces the bridge's file port: a failing one, or `null` for a runtime without files (the edge). */
  files?: Files | null;
  /** Reach every simulated PBX over AMI over HTTP: `cookie` (`/rawman`) or `digest` (`/arawman`). */
  overHttp?: "cookie" | "digest";
}

/** What {@link startTestBridge} started. */
export interface TestBridge {
  runtime: Runtime;
  bridge: Bridge;
  server: HttpServer;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** Simulated PBXs by upstream name. */
  pbxs: Map<string, SimulatedPbx>;
  /** Log lines the bridge wrote (for asserting that no secret leaks). */
  logs: string[];
  close(): Promise<void>;
}

/** Starts simulated PBXs, a bridge over them and its HTTP server; see {@link TestBridge}. */
export async function startTestBridge(options: TestBridgeOptions = {}): Promise<TestBridge> {
  const current = await currentRuntime();
  const { files: _files, ...withoutFiles } = current;
  const runtime: Runtime = options.files === undefined ? current : options.files === null ? withoutFiles : { ...current, files: options.files };
  const names = options.servers ?? ["pbx1"];
  const pbxs = new Map<string, SimulatedPbx>();
  const logs: string[] = [];
  const upstreams = [];
  for (const name of names) {
    const pbx = new SimulatedPbx({ listen: runtime.listen, serve: runtime.serve, callTiming: FAST_CALLS, authFailureDelayMs: 20, ...options.pbx });
    pbxs.set(name, pbx);
    let url: string;
    if (options.overHttp) {
      const { port } = await pbx.startHttp({ hostname: "127.0.0.1", port: 0 });
      url = `http://${options.credentials ?? "hello:world"}@127.0.0.1:${port}/${options.overHttp === "digest" ? "a" : ""}rawman`;
    } else {
      const { port } = await pbx.start({ hostname: "127.0.0.1", port: 0, ...(options.tls ? { tls: options.tls } : {}) });
      url = `${options.tls ? "amis" : "ami"}://${options.credentials ?? "hello:world"}@127.0.0.1:${port}`;
    }
    // Quick retries, also after refusals, so tests see several attempts; a test's own client settings win.
    const client = { reconnect: () => 50, keepalive: false as const, fatalRetryMinMs: 50, ...options.upstream?.client };
    upstreams.push({ name, url, ...options.upstream, client });
  }
  const { servers: _servers, pbx: _pbx, waitReady = true, credentials: _credentials, tls: _tls, upstream: _upstream, files: _fileOption, overHttp: _overHttp, ...bridgeOptions } = options;
  const bridge = await createBridge({
    runtime,
    upstreams,
    logger: createLogger((line) => logs.push(line), { level: "debug" }),
    ...bridgeOptions,
  }).catch(async (error: unknown) => {
    // A bridge that refuses to start must not leave its simulators listening.
    await Promise.all([...pbxs.values()].map((pbx) => pbx.close()));
    throw error;
  });
  await bridge.start();
  const server = await bridge.listen({ hostname: "127.0.0.1", port: 0 });
  if (waitReady) await waitUntil(() => bridge.upstreams.list().every((u) => u.client.state === "ready"), 5000);
  return {
    runtime,
    bridge,
    server,
    baseUrl: `http://127.0.0.1:${server.port}`,
    pbxs,
    logs,
    async close() {
      await bridge.close({ graceMs: 500 });
      await Promise.all([...pbxs.values()].map((pbx) => pbx.close()));
    },
  };
}

/** Polls `condition` every 5 ms until it holds; rejects after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`expected a condition to hold within ${timeoutMs} ms: ${condition.toString().slice(0, 120)}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
