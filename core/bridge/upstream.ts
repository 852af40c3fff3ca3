/**
 * One Asterisk server the bridge talks to: its own AMI client and state, under a name that
 * actions are routed by and that every event carries.
 */
import { type BackoffOptions, exponentialBackoff, type ReconnectStrategy } from "../client/backoff.ts";
import { AmiClient, type AmiClientOptions } from "../client/client.ts";
import { AmiHttpClient, type AmiHttpClientOptions } from "../client/http/client.ts";
import type { AmiSession } from "../client/session.ts";
import { clientOptionsFromUrl, httpClientOptionsFromUrl, parseAmiUrl, redactUrl } from "../client/url.ts";
import type { Connector, Runtime, TlsSessionInfo } from "../ports.ts";
import type { EventBus } from "./bus.ts";
import { BridgeError } from "./errors.ts";

/** TLS policy for an upstream, applied by the `tls` plugin. */
export interface UpstreamTls {
  /** PEM text or file paths of CA certificates to trust instead of the system store. */
  ca?: string | readonly string[];
  serverName?: string;
  /** SHA-256 fingerprint the server's certificate must have (hex, colons optional). */
  fingerprint256?: string;
  /** Skip verification: loud, explicit, never the default. */
  insecure?: boolean;
}

/** How to reach one Asterisk server. */
export interface UpstreamSpec {
  /** Routing name, e.g. `pbx1`. */
  name: string;
  /** `ami://user:secret@host:5038`, `amis://…` for TLS, or AMI over HTTP: `http(s)://user:secret@host:8088/rawman`. */
  url: string;
  events?: "on" | "off" | readonly string[];
  actionTimeoutMs?: number;
  connectTimeoutMs?: number;
  tls?: UpstreamTls;
  /** Further client options (keepalive, reconnect …); for AMI over HTTP also its own (waitEventSeconds …). */
  client?: Partial<Omit<AmiClientOptions, "connect">> & Partial<Omit<AmiHttpClientOptions, "url">>;
}

/** How often a bridge retries a refused login or a pinned certificate that does not match: an operator may fix either at any time. */
export const REFUSED_LOGIN_RETRY_MS = 60_000;

/**
 * A bridge runs unattended, so unlike a script it never gives up. The client's cause-aware
 * backoff (see {@link exponentialBackoff}): a refused connect (Asterisk restarting) is retried at
 * least once a second, so the bridge is back within about a second of the server's return
 * however long it was away; other failures back off up to 30 s; a wrong secret, a server that is
 * not AMI or a pin mismatch is retried once a minute (an operator may fix either at any time; the
 * client never retries those faster than its `fatalRetryMinMs`). `options` scale the schedules (tests).
 */
export function bridgeReconnect(options: BackoffOptions = {}): ReconnectStrategy {
  return exponentialBackoff({ fatalMs: REFUSED_LOGIN_RETRY_MS, ...options });
}

/** Wraps the connector of one upstream (TLS policy, proxies, instrumentation). */
export type ConnectorWrapper = (next: Connector, upstream: Upstream) => Connector;

/** A named AMI connection. */
export class Upstream {
  readonly name: string;
  /** The URL with its secret hidden. */
  readonly url: string;
  readonly spec: UpstreamSpec;
  /** The AMI session: a socket client, or AMI over HTTP for `http(s)://` URLs. */
  readonly client: AmiSession;
  /** What the last TLS handshake learned about the server's certificate. */
  tls: TlsSessionInfo | undefined;
  /** When the current session became ready, or undefined while it is not. */
  readySince: number | undefined;
  /** Completed reconnects (sessions after the first). */
  reconnects = 0;
  /** Why the last session ended or attempt failed; cleared when a session is ready. */
  lastError: { code: string; message: string; at: string } | undefined;
  #connector: Connector;
  #sessions = 0;
  #wrappers = 0;

  constructor(runtime: Runtime, spec: UpstreamSpec) {
    this.name = spec.name;
    this.url = redactUrl(spec.url);
    const parsed = parseAmiUrl(spec.url);
    this.#connector = runtime.connect;
    this.overHttp = parsed.http !== undefined;
    this.secure = parsed.tls && !this.overHttp;
    // A `?ca=` file becomes part of the TLS policy the tls plugin applies (the spec's own `ca` wins).
    this.spec = parsed.tls && parsed.caFile ? { ...spec, tls: { ...spec.tls, ca: spec.tls?.ca ?? parsed.caFile } } : spec;
    if (parsed.http) {
      const { hostname: _hostname, port: _port, tls: _tls, ...shared } = spec.client ?? {};
      const options: AmiHttpClientOptions = { ...httpClientOptionsFromUrl(parsed), reconnect: bridgeReconnect(), ...shared };
      const events = spec.events ?? options.events;
      if (events !== undefined) options.events = events;
      if (spec.actionTimeoutMs !== undefined) options.actionTimeoutMs = spec.actionTimeoutMs;
      if (spec.connectTimeoutMs !== undefined) options.connectTimeoutMs = spec.connectTimeoutMs;
      this.client = new AmiHttpClient(options);
      return;
    }
    const fromUrl = clientOptionsFromUrl(parsed);
    const options: AmiClientOptions = {
      ...fromUrl,
      // Late-bound, so connector wrappers that plugins add during setup apply to every attempt.
      connect: async (connectOptions) => {
        const transport = await this.#connector(connectOptions);
        this.tls = transport.tls;
        return transport;
      },
      reconnect: bridgeReconnect(),
      ...spec.client,
    };
    const events = spec.events ?? fromUrl.events;
    if (events !== undefined) options.events = events;
    if (spec.actionTimeoutMs !== undefined) options.actionTimeoutMs = spec.actionTimeoutMs;
    if (spec.connectTimeoutMs !== undefined) options.connectTimeoutMs = spec.connectTimeoutMs;
    this.client = new AmiClient(options);
  }

  /** Whether the connection is TLS over a socket (`amis://`), which the `tls` plugin's policy applies to. */
  readonly secure: boolean;

  /** AMI over HTTP (`http://`, `https://`): the runtime's fetch carries it, not the connector. */
  readonly overHttp: boolean;

  /** Puts `wrapper` around the connector; the last added runs first. */
  wrapConnector(wrapper: ConnectorWrapper): void {
    this.#connector = wrapper(this.#connector, this);
    this.#wrappers++;
  }

  /** Whether some plugin wrapped the connector (the `tls` plugin does, to apply {@link UpstreamSpec.tls}). */
  get wrapped(): boolean {
    return this.#wrappers > 0;
  }

  /** Feeds this upstream's events and state changes into the bus. */
  attach(bus: EventBus): () => void {
    const offEvent = this.client.on("event", (message) => void bus.publishEvent(this.name, message));
    const offState = this.client.on("state", ({ state, previous, cause }) => {
      if (cause) this.lastError = { code: cause.code, message: cause.message, at: new Date().toISOString() };
      if (state === "ready") {
        this.lastError = undefined;
        this.readySince = Date.now();
        if (++this.#sessions > 1) this.reconnects++;
      } else if (previous === "ready") this.readySince = undefined;
      bus.publishNotice("upstream", this.name, { state, previous, ...(cause ? { cause: { code: cause.code, message: cause.message } } : {}) });
    });
    const offGap = this.client.on("gap", (gap) =>
      void bus.publishNotice("gap", this.name, { reason: "reconnected", disconnectedAt: gap.disconnectedAt, reconnectedAt: gap.reconnectedAt, cause: { code: gap.cause.code, message: gap.cause.message } }),
    );
    return () => {
      offEvent();
      offState();
      offGap();
    };
  }

  /** What `/healthz` shows: never the secret. */
  health(): Record<string, unknown> {
    const tls = this.tls;
    return {
      name: this.name,
      url: this.url,
      state: this.client.state,
      ...(this.readySince ? { readySince: new Date(this.readySince).toISOString() } : {}),
      banner: this.client.banner ? `${this.client.banner.product}/${this.client.banner.version}` : undefined,
      reconnects: this.reconnects,
      pendingActions: this.client.pendingActions,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...(tls ? { tls: { subject: tls.subject, validTo: tls.validTo?.toISOString(), fingerprint256: tls.fingerprint256, daysLeft: tls.validTo ? Math.floor((tls.validTo.getTime() - Date.now()) / 86_400_000) : undefined } } : {}),
    };
  }
}

/** The bridge's upstreams by name, in configuration order. */
export class Upstreams {
  readonly #byName = new Map<string, Upstream>();

  constructor(upstreams: readonly Upstream[]) {
    for (const upstream of upstreams) {
      if (this.#byName.has(upstream.name)) throw new BridgeError("UPSTREAM_DUPLICATE", `expected unique upstream names, got ${JSON.stringify(upstream.name)} twice`);
      this.#byName.set(upstream.name, upstream);
    }
  }

  get size(): number {
    return this.#byName.size;
  }

  names(): string[] {
    return [...this.#byName.keys()];
  }

  list(): Upstream[] {
    return [...this.#byName.values()];
  }

  get(name: string): Upstream | undefined {
    return this.#byName.get(name);
  }

  /**
   * The upstream a request means: the named one, or the only one. Throws UPSTREAM_UNKNOWN naming
   * the choices when the name is unknown or missing while there are several.
   */
  resolve(name: string | undefined): Upstream {
    if (name === undefined || name === "") {
      if (this.#byName.size === 1) return this.#byName.values().next().value!;
      throw new BridgeError("UPSTREAM_UNKNOWN", `expected a server name (one of ${this.names().join(", ") || "none configured"}), got none`);
    }
    const upstream = this.#byName.get(name);
    if (!upstream) throw new BridgeError("UPSTREAM_UNKNOWN", `expected a server name (one of ${this.names().join(", ") || "none configured"}), got ${JSON.stringify(name)}`);
    return upstream;
  }
}
