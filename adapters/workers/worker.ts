/**
 * amibridge on Cloudflare Workers (and locally under workerd): the same Hono app as every other
 * runtime, as the module worker's `fetch`.
 *
 * - With a Durable Object bound as `AMI_UPSTREAM` (class {@link AmiUpstream}), each upstream gets
 *   one object that holds its AMI session, keeps the event bus, serves SSE and WebSocket
 *   subscribers and tracks calls (the calls plugin reads the same bus, so a call's events and its
 *   OriginateResponse reach the bridge that placed it); see routing.ts for which object answers.
 * - Without one, each request builds a bridge for its action: connect, log in (MD5 unless the URL
 *   says `auth=plain`), send, log off. Event streams and calls then need the Durable Object, and say so.
 */
import type { Bridge } from "../../core/bridge/bridge.ts";
import { actionsPlugin, healthPlugin, metricsPlugin, openapiPlugin, tlsPlugin } from "../../plugins/mod.ts";
import { edgeConfig, refusalResponse, startEdgeBridge } from "./bridge.ts";
import type { WorkerEnv } from "./runtime.ts";
import { isCallPath, problem, routeToObject, UPSTREAM_HEADER } from "./routing.ts";
import { upgradeWebSocket } from "./websocket.ts";

/** How often an object with a live AMI session asks to be woken, so the platform keeps it. */
const KEEPALIVE_MS = 30_000;

/** Resolves once every upstream is ready or has given up, or after `ms`. */
async function untilSettled(bridge: Bridge, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([Promise.all(bridge.upstreams.list().map((upstream) => upstream.client.connect().catch(() => {}))), late]);
  clearTimeout(timer);
}

/** The Durable Object of one upstream: its bridge lives as long as the object. */
export class AmiUpstream {
  readonly #state: WorkersDurableObjectState;
  readonly #env: WorkerEnv;
  #bridge: Promise<Bridge> | undefined;

  constructor(state: WorkersDurableObjectState, env: WorkerEnv) {
    this.#state = state;
    this.#env = env;
  }

  async fetch(request: Request): Promise<Response> {
    const upstream = request.headers.get(UPSTREAM_HEADER) ?? undefined;
    this.#bridge ??= startEdgeBridge(this.#env, upstream === undefined ? {} : { upstream }).catch((error: unknown) => {
      this.#bridge = undefined;
      throw error;
    });
    let bridge: Bridge;
    try {
      bridge = await this.#bridge;
    } catch (error) {
      return refusalResponse(error);
    }
    // A cold object: let its first login finish (or fail), so the request that woke it is answered.
    await untilSettled(bridge, 10_000);
    await this.#state.storage.setAlarm(Date.now() + KEEPALIVE_MS).catch(() => {});
    const forwarded = new Request(request);
    forwarded.headers.delete(UPSTREAM_HEADER);
    const wantsSocket = request.headers.get("upgrade")?.toLowerCase() === "websocket";
    return bridge.fetch(forwarded, wantsSocket ? { upgradeWebSocket } : {});
  }

  /** Re-arms itself while the bridge runs. */
  async alarm(): Promise<void> {
    if (this.#bridge) await this.#state.storage.setAlarm(Date.now() + KEEPALIVE_MS).catch(() => {});
  }
}

/** Plugins of a bridge that lives for one request: no event streams. */
const REQUEST_PLUGINS = [tlsPlugin, healthPlugin, metricsPlugin, actionsPlugin, openapiPlugin];

/** A bridge for one request: connect, log in, answer, log off. */
async function answerAlone(request: Request, env: WorkerEnv, ctx: WorkersExecutionContext): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (path.startsWith("/v1/events")) {
    return problem(501, "event streams need a Durable Object that holds the AMI session: bind one as AMI_UPSTREAM (class AmiUpstream; see adapters/workers/wrangler.toml)");
  }
  if (isCallPath(path)) {
    return problem(501, "call tracking (/v1/calls, /v1/channels) needs a Durable Object that holds the AMI session, so the call's events and its OriginateResponse reach the bridge that placed it: bind one as AMI_UPSTREAM (class AmiUpstream; see adapters/workers/wrangler.toml), or originate without tracking with POST /v1/actions/Originate");
  }
  let bridge: Bridge;
  try {
    bridge = await startEdgeBridge(env, { plugins: REQUEST_PLUGINS, oneShot: true });
  } catch (error) {
    return refusalResponse(error);
  }
  try {
    // The actions plugin answers 503 for an upstream that is not ready: let the login finish (or fail) first.
    await untilSettled(bridge, 10_000);
    return await bridge.fetch(request);
  } finally {
    ctx.waitUntil(bridge.close({ graceMs: 0 }));
  }
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: WorkersExecutionContext): Promise<Response> {
    const namespace = env["AMI_UPSTREAM"] as WorkersDurableObjectNamespace | undefined;
    if (!namespace) return answerAlone(request, env, ctx);
    let names: string[];
    try {
      names = edgeConfig(env).upstreams.map((upstream) => upstream.name);
    } catch (error) {
      return refusalResponse(error);
    }
    return routeToObject(namespace, request, names);
  },
};
