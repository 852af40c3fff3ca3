/** The client's public types: options, states, the events it reports, its counters. */
import type { DecoderLimits } from "../decoder.ts";
import type { AmiError } from "../errors.ts";
import type { AmiMessage } from "../message.ts";
import type { Connector, TlsConnectOptions } from "../ports.ts";
import type { ReconnectStrategy } from "./backoff.ts";

/** Where a client is in its life. `reconnecting` is the wait between attempts. */
export type ClientState = "idle" | "connecting" | "authenticating" | "ready" | "reconnecting" | "closed";

/** A connection state change. */
export interface StateChange {
  state: ClientState;
  previous: ClientState;
  /** Why the connection ended or an attempt failed. */
  cause?: AmiError;
}

/** Reported after a reconnect: events between the two sessions were lost (AMI never replays them). */
export interface Gap {
  /** Sequence number of the last event received before the gap. */
  lastSeq: number;
  disconnectedAt: number;
  reconnectedAt: number;
  cause: AmiError;
}

/** What {@link AmiClient.on} can listen to. Listeners run synchronously on the read path: keep them quick. */
export interface ClientEvents {
  event: AmiMessage;
  state: StateChange;
  gap: Gap;
  /** Protocol errors, unexpected messages and listener failures; the client keeps running. */
  error: AmiError;
}

/** Options every AMI client takes, whatever carries the protocol (a socket, or HTTP). */
export interface AmiSessionOptions {
  username: string;
  secret: string;
  /** `md5` logs in with a Challenge, so the secret never crosses the wire. Default `plain`. */
  auth?: "plain" | "md5";
  /** The login's `Events` header: `on`, `off` or a list of classes. Default `on`. */
  events?: "on" | "off" | readonly string[];
  /** Default deadline for an action's response. Default 10 s. */
  actionTimeoutMs?: number;
  /** Deadline for connecting and logging in together. Default 10 s. */
  connectTimeoutMs?: number;
  /** Ping after this much silence and drop the connection when the Pong is late. Default 15 s / 10 s. */
  keepalive?: false | { intervalMs: number; timeoutMs: number };
  /** Delay before the next attempt, or false to stop. Default: `exponentialBackoff()`, a schedule per kind of failure (a refused connect is retried within 1 s). */
  reconnect?: false | ReconnectStrategy;
  /**
   * Least delay before retrying after a refused login or a server that is not AMI, whatever the
   * strategy says: Asterisk counts failed logins, and the same secret fails again. Default 30 s.
   * (The default strategy does not retry these at all.)
   */
  fatalRetryMinMs?: number;
  /** Most actions in flight at once. Default 10 000. */
  maxPendingActions?: number;
  /** ActionID namespace; every ActionID is `<prefix><ulid>`. Default `amib-`. */
  actionIdPrefix?: string;
  /** Sequence numbers for events; pass a shared counter to number several clients' events together. */
  sequence?: () => number;
  decoderLimits?: Partial<DecoderLimits>;
}

/** Options for {@link AmiClient}: the shared ones, and where the socket goes. */
export interface AmiClientOptions extends AmiSessionOptions {
  /** The runtime's connector (`runtime.connect`). */
  connect: Connector;
  hostname: string;
  /** Default 5038, or 5039 with TLS. */
  port?: number;
  tls?: false | TlsConnectOptions;
}

/** Per-call options for {@link AmiClient.send}. */
export interface SendOptions {
  /** Overrides the default deadline, which already covers what the action itself may take. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Counters, for metrics and tests. */
export interface ClientStats {
  messagesReceived: number;
  eventsReceived: number;
  protocolErrors: number;
  /** Responses with an ActionID this client never sent (or no ActionID). */
  unmatchedResponses: number;
  /** Responses that arrived after their action timed out or was aborted. */
  lateResponses: number;
  reconnects: number;
  listenerErrors: number;
}
