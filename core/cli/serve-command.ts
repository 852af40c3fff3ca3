/**
 * `amibridge serve`: loads the configuration (file and environment), starts the bridge with the
 * built-in plugins, and stops it gracefully on SIGTERM/SIGINT. With no upstream configured it
 * runs against a built-in simulated PBX with demo calls, so the first command always shows
 * something.
 */
import { type BridgeOptions, createBridge, type PluginStatus } from "../bridge/bridge.ts";
import { BridgeError } from "../bridge/errors.ts";
import type { BridgeJournalOptions } from "../bridge/journal.ts";
import { JournalError } from "../journal/errors.ts";
import { createLogger, type Logger } from "../bridge/logger.ts";
import type { AnyPlugin } from "../bridge/plugin.ts";
import type { UpstreamSpec } from "../bridge/upstream.ts";
import { ConfigError } from "../config/error.ts";
import { loadConfig } from "../config/load.ts";
import type { BridgeConfig } from "../config/types.ts";
import { redactUrl } from "../client/url.ts";
import type { Runtime } from "../ports.ts";
import { EXIT, type CliIo } from "./ami-command.ts";
import { splitOptions } from "./args.ts";
import { type Demo, DEMO_OPEN_POLICY, DEMO_WEBHOOK_NETWORKS, demoNotice, demoWebhookOptions, startDemo } from "./demo.ts";

/** Exit code for a configuration that does not validate (sysexits' EX_CONFIG). */
export const EXIT_CONFIG = 78;

/**
 * Exit code when the journal cannot be opened (sysexits' EX_IOERR): a damaged file was moved aside
 * and the next start makes a fresh one, so a supervisor's restart goes on; a locked or unwritable
 * one stays as it is. The bridge never starts without the journal it was told to keep.
 */
export const EXIT_JOURNAL = 74;

const SERVE_OPTIONS = new Set(["port", "host", "config", "check", "help"]);

/** Usage of `amibridge serve`. */
export const SERVE_USAGE = `usage: amibridge serve [--config amibridge.json] [--port 8080] [--host 127.0.0.1] [--check]
  With no upstream in the config and no AMI_URL, runs against a built-in simulated PBX (demo).
  --check validates the configuration and the plugins' options, prints a summary, and exits.
  Environment: AMI_URL, AMI_NAME, AMIBRIDGE_CONFIG, AMIBRIDGE_PORT/PORT, AMIBRIDGE_HOST/HOST,
  AMIBRIDGE_TOKEN, AMIBRIDGE_AUTH=open`;

/** Whether the API would be reachable from this machine only. */
function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" || hostname === "[::1]" || hostname.startsWith("127.");
}

/** The plugins `serve` loads; injected so `main.ts` (and tests) choose them explicitly. */
export type PluginList = readonly AnyPlugin[];

function toSpec(upstream: BridgeConfig["upstreams"][number]): UpstreamSpec {
  const spec: UpstreamSpec = { name: upstream.name, url: upstream.url };
  if (upstream.events !== undefined) spec.events = upstream.events;
  if (upstream.actionTimeoutMs !== undefined) spec.actionTimeoutMs = upstream.actionTimeoutMs;
  if (upstream.connectTimeoutMs !== undefined) spec.connectTimeoutMs = upstream.connectTimeoutMs;
  if (upstream.tls) spec.tls = upstream.tls;
  return spec;
}

/** The bridge a configuration describes; `serve` and `serve --check` build the very same one. */
function bridgeOptions(
  runtime: Runtime,
  config: BridgeConfig,
  plugins: PluginList,
  run: { upstreams: UpstreamSpec[]; authMode: "tokens" | "open"; logger?: Logger; journal?: BridgeJournalOptions; localDemo?: boolean },
): BridgeOptions {
  const pluginOptions: Record<string, unknown> = { ...config.plugins };
  // The local demo (simulator upstream, API on loopback) lets webhooks reach a receiver on this machine.
  if (run.localDemo && plugins.some((plugin) => plugin.definition.name === "webhooks")) pluginOptions["webhooks"] = demoWebhookOptions(config.plugins["webhooks"]);
  // `events.subscriberQueue` is the events plugin's queue size, unless its own options say otherwise.
  if (plugins.some((plugin) => plugin.definition.name === "events")) {
    pluginOptions["events"] = { subscriberQueue: config.events.subscriberQueue, ...(config.plugins["events"] as object | undefined) };
  }
  return {
    runtime,
    upstreams: run.upstreams,
    plugins,
    pluginOptions,
    auth: { mode: run.authMode, tokens: config.tokens, ...(run.localDemo ? { openPolicy: DEMO_OPEN_POLICY } : {}) },
    http: { maxBodyBytes: config.http.maxBodyBytes, corsOrigins: config.http.corsOrigins },
    events: { ring: config.events.ring, maxSubscribers: config.events.maxSubscribers },
    ...(run.journal ? { journal: run.journal } : {}),
    ...(run.logger ? { logger: run.logger } : {}),
  };
}

/** One plain line per plugin that is not running. */
function pluginProblems(statuses: readonly PluginStatus[]): string[] {
  return statuses
    .filter((status) => status.state !== "running")
    .map((status) => (status.state === "skipped" ? `plugin ${status.name} was skipped: ${status.error}` : `plugin ${status.name} could not start: ${status.error}`));
}

/** Builds (never starts) the bridge `config` describes; every problem it meets, one plain line each. */
async function bridgeProblems(runtime: Runtime, config: BridgeConfig, plugins: PluginList): Promise<string[]> {
  // The journal is not opened by a check: the running bridge holds it, and a check must not write to it.
  const journalProblem = config.journal && !runtime.openJournal ? [`journal.path ${config.journal.path}: the ${runtime.name} adapter has no embedded journal (openJournal)`] : [];
  try {
    const bridge = await createBridge(bridgeOptions(runtime, config, plugins, { upstreams: config.upstreams.map(toSpec), authMode: config.http.auth }));
    const problems = [...journalProblem, ...pluginProblems(bridge.plugins)];
    await bridge.close({ graceMs: 0 });
    return problems;
  } catch (error) {
    if (!(error instanceof BridgeError)) return [(error as Error).message];
    if (error.code !== "PLUGIN_INVALID_OPTIONS") return [...error.problems];
    // Options that do not validate stop everything before any plugin is set up: check the rest
    // once more without them, so a CA file or a TLS setting is reported in the same run.
    const faulty = new Set(error.problems.map((line) => /^plugins\.([\w-]+)/.exec(line)?.[1]).filter((name) => name !== undefined));
    const rest = Object.fromEntries(Object.entries(config.plugins).filter(([name]) => !faulty.has(name)));
    if (faulty.size === 0 || Object.keys(rest).length === Object.keys(config.plugins).length) return [...error.problems];
    const again = await bridgeProblems(runtime, { ...config, plugins: rest }, plugins);
    return [...error.problems, ...again.filter((line) => !error.problems.includes(line))];
  }
}

/**
 * `serve --check`: builds the bridge without connecting or listening, so plugin options and TLS
 * settings are checked too, and lists every problem found (`earlier`: those of the configuration itself).
 */
async function checkConfig(runtime: Runtime, config: BridgeConfig, plugins: PluginList, io: CliIo, earlier: readonly string[] = []): Promise<number> {
  const problems = [...earlier, ...(await bridgeProblems(runtime, config, plugins))];
  if (problems.length > 0) {
    io.err(`amibridge: the configuration has ${problems.length === 1 ? "1 problem" : `${problems.length} problems`}:\n  ${problems.join("\n  ")}`);
    return EXIT_CONFIG;
  }
  const upstreams = config.upstreams.map((u) => `${u.name} (${redactUrl(u.url)})`).join(", ") || "none (serve would run the demo simulator)";
  io.out(`configuration OK: listen on ${config.http.hostname}:${config.http.port}; upstreams: ${upstreams}; tokens: ${config.tokens.map((t) => t.name).join(", ") || "none"}; auth: ${config.http.auth}`);
  return EXIT.ok;
}

/**
 * The demo's journal: a fresh `<temp>/amibridge-demo-<random>/journal.db` (TMPDIR, TEMP or TMP;
 * /tmp otherwise) for each run, so two demos never share one, and small bounds.
 */
function demoJournal(runtime: Runtime): BridgeJournalOptions {
  const temp = (runtime.env("TMPDIR") || runtime.env("TEMP") || runtime.env("TMP") || "/tmp").replace(/[\\/]+$/, "");
  return { path: `${temp}/amibridge-demo-${crypto.randomUUID().slice(0, 8)}/journal.db`, maxRecords: 100_000, maxBytes: 64 * 1024 ** 2, maxAgeMs: 86_400_000 };
}

/** Runs the bridge until the signal aborts; resolves with the exit code. */
export async function serveCommand(runtime: Runtime, args: readonly string[], io: CliIo, plugins: PluginList = []): Promise<number> {
  let parsed: ReturnType<typeof splitOptions>;
  try {
    parsed = splitOptions(args, new Set(["port", "host", "config"]));
  } catch (error) {
    io.err(`amibridge serve: ${(error as Error).message}\n${SERVE_USAGE}`);
    return EXIT.usage;
  }
  const { options, positional } = parsed;
  if (positional.includes("-h")) {
    io.out(SERVE_USAGE);
    return EXIT.ok;
  }
  const unknown = [...options.keys()].filter((name) => !SERVE_OPTIONS.has(name));
  if (unknown.length > 0 || positional.length > 0) {
    const what = unknown.length > 0 ? `unknown option --${unknown[0]}` : `unexpected argument ${JSON.stringify(positional[0])}`;
    io.err(`amibridge serve: expected only --config, --port, --host, --check or --help, got ${what}\n${SERVE_USAGE}`);
    return EXIT.usage;
  }
  if (options.has("help")) {
    io.out(SERVE_USAGE);
    return EXIT.ok;
  }
  const checkOnly = options.has("check");
  const logger = createLogger(io.err, { level: runtime.env("AMIBRIDGE_LOG_LEVEL") === "debug" ? "debug" : "info" });
  const path = (options.get("config") as string | undefined) ?? runtime.env("AMIBRIDGE_CONFIG");
  const overrides: Record<string, string | undefined> = {};
  if (options.has("port")) overrides["AMIBRIDGE_PORT"] = String(options.get("port"));
  if (options.has("host")) overrides["AMIBRIDGE_HOST"] = String(options.get("host"));
  let config: BridgeConfig;
  try {
    // Command-line flags win over the environment, which wins over the file.
    config = await loadConfig({ path, readText: runtime.files?.readText, env: (name) => overrides[name] ?? runtime.env(name) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // --check goes on with what did validate, to report the plugins' and TLS problems in the same run.
    const partial = (error as ConfigError<BridgeConfig>).partial;
    if (checkOnly && partial) return checkConfig(runtime, partial, plugins, io, error.issues.map((issue) => issue.message));
    io.err(`amibridge: the configuration is not valid:\n${error.message}`);
    return EXIT_CONFIG;
  }
  if (!runtime.serve) {
    io.err(`amibridge: the ${runtime.name} adapter cannot serve HTTP`);
    return EXIT.usage;
  }

  let demo: Demo | undefined;
  let upstreams = config.upstreams.map(toSpec);
  let authMode = config.http.auth;
  let localDemo = false;
  if (checkOnly) return checkConfig(runtime, config, plugins, io);
  if (upstreams.length === 0) {
    demo = await startDemo(runtime);
    // Written directly, not through the logger, which would mask the demo's (public) password.
    io.err(demoNotice(demo));
    upstreams = [{ name: "demo", url: demo.url }];
    localDemo = isLoopback(config.http.hostname);
    const webhooks = plugins.some((plugin) => plugin.definition.name === "webhooks");
    if (config.tokens.length === 0 && authMode !== "open") {
      // Nothing real to protect: the demo opens the API on its own, and says so.
      authMode = "open";
      const grant = localDemo && webhooks ? ", webhooks included" : "";
      logger.warn(`auth: open (no token needed${grant}), because this is the demo: the upstream is a simulator${localDemo ? ` and the API listens on ${config.http.hostname} only` : ""}; with a real upstream the API requires tokens`);
    }
    if (localDemo && webhooks) {
      logger.warn(`webhooks: this demo may deliver to receivers on this machine (${DEMO_WEBHOOK_NETWORKS.join(", ")}), which the SSRF guard refuses otherwise; with a real upstream only plugins.webhooks.allowNetworks allows them`);
    }
  } else if (authMode === "open") {
    logger.warn("auth: open (http.auth or AMIBRIDGE_AUTH): anyone who reaches this port may read events and send actions; Command and System still need a token with a grant");
  } else if (config.tokens.length === 0) {
    logger.warn("no API tokens configured: every /v1 request will be refused (401); add tokens to the config or set AMIBRIDGE_TOKEN");
  }

  // The demo keeps a journal in a temporary folder, so resume across restarts and webhooks work out of the box.
  const journal: BridgeJournalOptions | undefined = config.journal ?? (demo && runtime.openJournal ? demoJournal(runtime) : undefined);
  let bridge;
  try {
    bridge = await createBridge(bridgeOptions(runtime, config, plugins, { upstreams, authMode, logger, localDemo, ...(journal ? { journal } : {}) }));
  } catch (error) {
    await demo?.pbx.close();
    if (error instanceof JournalError || (error instanceof BridgeError && error.code === "JOURNAL_UNAVAILABLE")) {
      const next = error instanceof JournalError && error.code === "JOURNAL_CORRUPT" ? "; start the bridge again to begin a fresh journal" : "";
      io.err(`amibridge: the journal could not be opened, so the bridge does not start: ${error.message}${next}`);
      return EXIT_JOURNAL;
    }
    io.err(`amibridge: ${(error as Error).message}`);
    return EXIT_CONFIG;
  }
  for (const status of bridge.plugins) if (status.state !== "running") logger.error(`plugin ${status.name} is ${status.state}: ${status.error}`);
  await bridge.start();
  let server;
  try {
    server = await bridge.listen({ hostname: config.http.hostname, port: config.http.port });
  } catch (error) {
    io.err(`amibridge: could not listen on ${config.http.hostname}:${config.http.port}: ${(error as Error).message}`);
    await bridge.close({ graceMs: 0 });
    await demo?.pbx.close();
    return EXIT.usage;
  }
  logger.info(`listening on http://${config.http.hostname}:${server.port} (console at /, API under /v1, GET /healthz, GET /metrics)`);

  const stopDemoCalls = demo?.placeCalls(bridge.upstreams.list()[0]!.client);
  await new Promise<void>((resolve) => {
    if (io.signal?.aborted) return resolve();
    io.signal?.addEventListener("abort", () => resolve(), { once: true });
  });
  logger.info(`shutting down: no new connections; in-flight requests get ${config.http.shutdownGraceMs} ms`);
  stopDemoCalls?.();
  await bridge.close({ graceMs: config.http.shutdownGraceMs });
  await demo?.pbx.close();
  // The demo's journal was for this run only.
  if (journal && !config.journal && journal.path) await runtime.files?.remove(journal.path).catch(() => {});
  logger.info("stopped; upstreams logged off");
  return EXIT.ok;
}
