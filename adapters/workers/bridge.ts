/** Starts the bridge a worker's bindings describe (see {@link edgeConfig}), refusing what the edge cannot run. */
import { createBridge, type Bridge } from "../../core/bridge/bridge.ts";
import { createLogger } from "../../core/bridge/logger.ts";
import type { AnyPlugin } from "../../core/bridge/plugin.ts";
import { bridgeOptionsFromConfig, upstreamSpec } from "../../core/config/bridge-options.ts";
import { builtinPlugins } from "../../plugins/mod.ts";
import { EdgeRefusal, edgeConfig } from "./config.ts";
import { workersRuntime, type WorkerEnv } from "./runtime.ts";

export { EdgeRefusal, edgeConfig } from "./config.ts";

/** Options of {@link startEdgeBridge}. */
export interface EdgeBridgeOptions {
  /** Only this upstream (a Durable Object holds one); default all. */
  upstream?: string;
  plugins?: readonly AnyPlugin[];
  /** Where log lines go; default the console. */
  log?: (line: string) => void;
  /**
   * A bridge for one request: no reconnects, no keepalive, no events; a failed login fails the
   * request at once instead of being retried.
   */
  oneShot?: boolean;
}

/** MD5 login unless the URL asks for `auth=plain` (or is HTTP Digest): the secret then never crosses the wire. */
function edgeClient(url: string, oneShot: boolean): Record<string, unknown> {
  const client: Record<string, unknown> = {};
  if (!/[?&]auth=/.test(url) && !/\/arawman(\?|$)/.test(url)) client.auth = "md5";
  if (oneShot) Object.assign(client, { reconnect: false, keepalive: false });
  return client;
}

/** Builds and starts the bridge; throws {@link EdgeRefusal} when a plugin could not set up or start. */
export async function startEdgeBridge(env: WorkerEnv, options: EdgeBridgeOptions = {}): Promise<Bridge> {
  const config = edgeConfig(env);
  const runtime = workersRuntime(env);
  const chosen = config.upstreams.filter((upstream) => options.upstream === undefined || upstream.name === options.upstream);
  if (chosen.length === 0) throw new EdgeRefusal([`expected an upstream named ${JSON.stringify(options.upstream)}, got ${config.upstreams.map((u) => u.name).join(", ")}`]);
  const logger = createLogger(options.log ?? ((line) => console.log(line)), { level: runtime.env("AMIBRIDGE_LOG_LEVEL") === "debug" ? "debug" : "info" });
  const upstreams = chosen.map((upstream) => {
    const spec = upstreamSpec(upstream);
    spec.client = edgeClient(upstream.url, options.oneShot === true);
    if (options.oneShot) spec.events = "off";
    return spec;
  });
  const bridge = await createBridge(bridgeOptionsFromConfig(runtime, config, options.plugins ?? builtinPlugins, { upstreams, authMode: config.http.auth, logger }));
  await bridge.start();
  const failed = bridge.plugins.filter((status) => status.state !== "running");
  if (failed.length > 0) {
    await bridge.close({ graceMs: 0 });
    throw new EdgeRefusal(failed.map((status) => `plugin ${status.name} is ${status.state}: ${status.error}`));
  }
  return bridge;
}

/** The answer to every request while the bridge cannot start: a problem document with each reason. */
export function refusalResponse(error: unknown): Response {
  const problems = error instanceof EdgeRefusal ? error.problems : [(error as Error)?.message ?? String(error)];
  return new Response(JSON.stringify({ type: "about:blank", title: "Service Unavailable", status: 503, detail: problems.join("; "), problems }), {
    status: 503,
    headers: { "content-type": "application/problem+json" },
  });
}
