/**
 * `createBridge`: upstream AMI connections, the event bus, the plugins and one Hono app that
 * serves them all. Data path: upstream client → bus → plugins (SSE, WebSocket, webhooks …) →
 * the outside world; actions come back through a plugin's route to `upstream.client.send`.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { AmiError } from "../errors.ts";
import { AllowedMethods } from "./allowed-methods.ts";
import type { HttpServer, RequestInfo, Runtime } from "../ports.ts";
import { Authenticator, type AuthOptions } from "./auth.ts";
import { EventBus, type EventBusOptions } from "./bus.ts";
import { BridgeError } from "./errors.ts";
import { type Logger, silentLogger } from "./logger.ts";
import { Metrics } from "./metrics.ts";
import { OpenApiRegistry } from "./openapi-registry.ts";
import { type BridgeEnv, type AnyPlugin, type HttpSettings, type PluginContext, type PluginHooks, type PluginUse } from "./plugin.ts";
import { HttpProblem, problemResponse, responseForProblem } from "./problem.ts";
import { resolvePlugins } from "./registry.ts";
import { Upstream, type UpstreamSpec, Upstreams } from "./upstream.ts";

/** Options for {@link createBridge}. */
export interface BridgeOptions {
  runtime: Runtime;
  upstreams: readonly UpstreamSpec[];
  plugins?: readonly (AnyPlugin | PluginUse)[];
  /** Options by plugin name (the config file's `plugins` section); options passed with a plugin win. */
  pluginOptions?: Readonly<Record<string, unknown>>;
  /** Default: tokens, with none configured, so every `/v1` request is refused until one is. */
  auth?: AuthOptions;
  http?: Partial<HttpSettings>;
  events?: EventBusOptions;
  logger?: Logger;
}

/** How one plugin fared. */
export interface PluginStatus {
  name: string;
  state: "running" | "failed" | "skipped";
  /** Why it failed or was skipped. */
  error?: string;
}

/** A running bridge. */
export interface Bridge {
  readonly app: Hono<BridgeEnv>;
  readonly bus: EventBus;
  readonly upstreams: Upstreams;
  readonly metrics: Metrics;
  readonly auth: Authenticator;
  readonly logger: Logger;
  readonly plugins: readonly PluginStatus[];
  /** Aborts when {@link Bridge.close} starts. */
  readonly signal: AbortSignal;
  /** Answers one HTTP request (what `serve` calls; tests may call it directly). */
  fetch(request: Request, info?: RequestInfo): Promise<Response>;
  /** Runs the plugins' start hooks and connects every upstream (without waiting for them to be ready). */
  start(): Promise<void>;
  /** Serves the app on the runtime's HTTP server. */
  listen(options: { hostname: string; port: number }): Promise<HttpServer>;
  /**
   * Graceful stop: stop accepting, end live streams, let in-flight requests finish within
   * `graceMs`, run the plugins' close hooks, log off every upstream.
   */
  close(options?: { graceMs?: number }): Promise<void>;
  /** Plugin states plus each plugin's own health fields. */
  pluginHealth(): Record<string, unknown>[];
}

/** Why the tls plugin did not take over an upstream's TLS settings, in plain words. */
function whyTlsIsNotApplied(tls: PluginStatus | undefined): string {
  if (!tls) return "the tls plugin is not loaded (add it to the plugins)";
  if (tls.state === "running") return "the tls plugin did not take them over";
  return `the tls plugin could not start: ${tls.error ?? tls.state}`;
}

function describeStatus(status: PluginStatus | undefined): string {
  if (!status) return "not loaded";
  return status.error ? `${status.state}: ${status.error}` : status.state;
}

/** Sets up the plugins and the HTTP app; fails fast on a registry error. See {@link Bridge}. */
export async function createBridge(options: BridgeOptions): Promise<Bridge> {
  const { runtime } = options;
  const logger = options.logger ?? silentLogger;
  const bus = new EventBus(options.events);
  const upstreams = new Upstreams(options.upstreams.map((spec) => new Upstream(runtime, spec)));
  const auth = new Authenticator(options.auth ?? { mode: "tokens" });
  const metrics = new Metrics();
  const openapi = new OpenApiRegistry();
  const http: HttpSettings = { maxBodyBytes: options.http?.maxBodyBytes ?? 65_536, corsOrigins: options.http?.corsOrigins ?? [] };
  const controller = new AbortController();
  const resolved = resolvePlugins(options.plugins ?? [], options.pluginOptions);

  const app = new Hono<BridgeEnv>();
  app.onError((error, c) => {
    if (error instanceof HttpProblem) return responseForProblem(error, c.req.path);
    if (error instanceof BridgeError && error.code === "UPSTREAM_UNKNOWN") return problemResponse(400, error.message, { extras: { field: "server" }, instance: c.req.path });
    // A client that vanished mid-body is no failure of ours: one quiet line, and an answer nobody reads.
    if (c.req.raw.signal.aborted || (error instanceof BridgeError && error.code === "CLIENT_GONE")) {
      logger.debug(`${c.req.method} ${c.req.path}: the client went away before its request was read`);
      return problemResponse(400, "expected a whole request, got a client that went away before sending it", { instance: c.req.path });
    }
    logger.error(`${c.req.method} ${c.req.path} failed`, { error: error instanceof Error ? error : new Error(String(error)) });
    return problemResponse(500, "the handler failed; the bridge logged the cause", { instance: c.req.path });
  });
  const allowed = new AllowedMethods(() => app.routes);
  app.notFound((c) => {
    const allow = allowed.for(c.req.path);
    if (allow.length === 0) return problemResponse(404, `expected a known route, got ${c.req.method} ${c.req.path}`, { instance: c.req.path });
    return problemResponse(405, `expected ${allow.join(" or ")} on ${c.req.path}, got ${c.req.method}`, { instance: c.req.path, headers: { allow: allow.join(", ") } });
  });
  if (http.corsOrigins.length > 0) {
    // Before the token check: a browser's preflight carries no token, and must still be answered.
    const origins = [...http.corsOrigins];
    app.use(
      "/v1/*",
      cors({
        origin: origins.includes("*") ? "*" : origins,
        allowMethods: ["GET", "POST", "DELETE", "OPTIONS"],
        allowHeaders: ["Authorization", "Content-Type", "Last-Event-ID"],
        maxAge: 600,
      }),
    );
  }
  app.use("/v1/*", async (c, next) => {
    // The API description is public, like any OpenAPI document; everything else needs a token.
    if (c.req.path === "/v1/openapi.json") return next();
    c.set("policy", await auth.authenticate(c.req.raw));
    return next();
  });
  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: http.maxBodyBytes,
      onError: (c) => problemResponse(413, `expected a request body of at most ${http.maxBodyBytes} bytes, got more`, { instance: c.req.path }),
    }),
  );

  const statuses: PluginStatus[] = [];
  const hooks = new Map<string, PluginHooks>();
  const apis = new Map<string, unknown>();
  const failed = new Set<string>();
  for (const { definition, options: pluginOptions } of resolved) {
    const name = definition.name;
    const blocked = (definition.dependencies ?? []).find((dependency) => failed.has(dependency));
    if (blocked) {
      failed.add(name);
      statuses.push({ name, state: "skipped", error: `its dependency ${blocked} failed` });
      logger.error(`plugin ${name} skipped: its dependency ${blocked} failed`);
      continue;
    }
    const router = new Hono<BridgeEnv>();
    const context: PluginContext = {
      name,
      runtime,
      router,
      bus,
      upstreams,
      logger: logger.child(name),
      signal: controller.signal,
      metrics,
      auth,
      openapi,
      http,
      use: <T>(other: string) => {
        if (!(definition.dependencies ?? []).includes(other)) {
          throw new BridgeError("PLUGIN_MISSING_DEPENDENCY", `plugin ${JSON.stringify(name)} used plugin ${JSON.stringify(other)} without declaring it in dependencies`);
        }
        return apis.get(other) as T;
      },
      wrapConnector: (wrapper) => {
        for (const upstream of upstreams.list()) upstream.wrapConnector(wrapper);
      },
      bridgeStatus: () => ({ plugins: bridge.pluginHealth() }),
    };
    try {
      const result = (await definition.setup(context, pluginOptions)) ?? {};
      hooks.set(name, result);
      apis.set(name, result.api);
      app.route("/", router);
      statuses.push({ name, state: "running" });
    } catch (error) {
      failed.add(name);
      const message = error instanceof Error ? error.message : String(error);
      statuses.push({ name, state: "failed", error: message });
      logger.error(`plugin ${name} failed to set up; the others go on`, { error: error instanceof Error ? error : new Error(message) });
    }
  }

  // A CA bundle or a pin that nobody applies would be a silent downgrade: refuse to start instead.
  const unapplied = upstreams.list().filter((upstream) => upstream.spec.tls && !upstream.wrapped);
  if (unapplied.length > 0) {
    const tls = statuses.find((s) => s.name === "tls");
    const lines = unapplied.map((upstream) => `upstream ${upstream.name} has TLS settings, but ${whyTlsIsNotApplied(tls)}`);
    // The other plugins' failures go along, so `--check` can list every problem of this run.
    const others = statuses.filter((s) => s.state !== "running" && s.name !== "tls").map((s) => `plugin ${s.name} is ${describeStatus(s)}`);
    throw new BridgeError("TLS_SETTINGS_UNAPPLIED", lines.join("\n"), { problems: [...others, ...lines] });
  }

  const detach: (() => void)[] = [];
  let server: HttpServer | undefined;
  let closing: Promise<void> | undefined;

  const bridge: Bridge = {
    app,
    bus,
    upstreams,
    metrics,
    auth,
    logger,
    plugins: statuses,
    signal: controller.signal,
    fetch: async (request, info = {}) => app.fetch(request, info),
    async start() {
      for (const status of statuses) {
        if (status.state !== "running") continue;
        try {
          await hooks.get(status.name)?.start?.();
        } catch (error) {
          status.state = "failed";
          status.error = error instanceof Error ? error.message : String(error);
          logger.error(`plugin ${status.name} failed to start; the others go on`, { error: error instanceof Error ? error : new Error(status.error) });
        }
      }
      for (const upstream of upstreams.list()) {
        detach.push(upstream.attach(bus));
        const upstreamLogger = logger.child(upstream.name);
        upstream.client.on("state", ({ state, cause }) => upstreamLogger.info(`upstream ${upstream.url} ${state}`, cause ? { cause } : undefined));
        upstream.client.connect().catch((error: unknown) => {
          if (error instanceof AmiError && error.code === "CLOSED") return;
          upstreamLogger.error(`upstream ${upstream.url} stopped retrying`, { error: error instanceof Error ? error : new Error(String(error)) });
        });
      }
    },
    async listen({ hostname, port }) {
      if (!runtime.serve) throw new TypeError(`expected a runtime adapter that can serve HTTP, got ${runtime.name} without serve`);
      server = await runtime.serve({ hostname, port, fetch: (request, info) => app.fetch(request, info) });
      return server;
    },
    close({ graceMs = 5000 } = {}) {
      return (closing ??= (async () => {
        controller.abort(new AmiError("CLOSED", "the bridge is shutting down"));
        bus.closeAll();
        await server?.close(graceMs);
        for (const status of [...statuses].reverse()) {
          try {
            await hooks.get(status.name)?.close?.();
          } catch (error) {
            logger.error(`plugin ${status.name} failed to close`, { error: error instanceof Error ? error : new Error(String(error)) });
          }
        }
        for (const off of detach) off();
        await Promise.all(upstreams.list().map((upstream) => upstream.client.close({ logoff: true }).catch(() => {})));
      })());
    },
    pluginHealth() {
      return statuses.map((status) => {
        let extra: Record<string, unknown> = {};
        try {
          extra = status.state === "running" ? (hooks.get(status.name)?.health?.() ?? {}) : {};
        } catch (error) {
          extra = { healthError: error instanceof Error ? error.message : String(error) };
        }
        return { ...status, ...extra };
      });
    },
  };
  return bridge;
}
