/**
 * The whole runtime boundary. `core/` and `plugins/` only ever see these types; each runtime
 * implements them once under `adapters/<runtime>/`.
 */

/** A bidirectional byte stream, shaped like a Deno `Conn` or a `cloudflare:sockets` socket. */
export interface Transport {
  /** Bytes from the peer. Honours backpressure: an unread stream pauses the socket. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes to the peer. A write resolves once the bytes are handed to the OS. */
  readonly writable: WritableStream<Uint8Array>;
  /** Settles once the connection is fully closed, by either side. Never rejects. */
  readonly closed: Promise<void>;
  /** Information about the TLS session, when there is one. */
  readonly tls?: TlsSessionInfo;
  /** Closes both directions; idempotent. */
  close(): Promise<void>;
}

/** What a TLS transport learned about its peer. */
export interface TlsSessionInfo {
  /** Subject of the peer certificate, e.g. `CN=pbx.example.com`. */
  subject?: string;
  /** Expiry of the peer certificate. */
  validTo?: Date;
  /** SHA-256 fingerprint of the peer certificate, upper-case hex joined by `:`. */
  fingerprint256?: string;
}

/** TLS options for an outgoing connection. */
export interface TlsConnectOptions {
  /** Name to verify the certificate against (and send as SNI) when it differs from `hostname`. */
  serverName?: string;
  /** PEM certificates to trust instead of the system store. */
  ca?: string[];
  /** Skip certificate verification. Loud, explicit and never the default. */
  insecure?: boolean;
}

/** Options for {@link Connector}. */
export interface ConnectOptions {
  hostname: string;
  port: number;
  tls?: false | TlsConnectOptions;
  /** Aborting cancels a connection attempt still in progress. */
  signal?: AbortSignal;
}

/** Opens a TCP (or TLS) connection. */
export type Connector = (options: ConnectOptions) => Promise<Transport>;

/** Options for {@link Listen}. */
export interface ListenOptions {
  hostname: string;
  /** 0 picks a free port; read it back from {@link Listener.port}. */
  port: number;
  /** PEM certificate chain and key: serve implicit TLS. */
  tls?: { cert: string; key: string };
}

/** A TCP (or TLS) server socket. */
export interface Listener {
  readonly hostname: string;
  readonly port: number;
  /** Stops accepting and closes the listening socket; open connections stay open. */
  close(): Promise<void>;
}

/** Starts a TCP server that hands each accepted connection to `onConnection`. */
export type Listen = (
  options: ListenOptions,
  onConnection: (transport: Transport) => void,
) => Promise<Listener>;

/** A WebSocket the HTTP server accepted. The bridge only sends text frames. */
export interface ServerWebSocket {
  /** Queues a text frame; never throws on a closed socket (the frame is dropped). */
  send(data: string): void;
  /** Starts the closing handshake; idempotent. */
  close(code?: number, reason?: string): void;
  /** Bytes queued by `send` and not yet handed to the OS: how far behind this peer is. */
  readonly bufferedAmount: number;
}

/** Callbacks for one accepted WebSocket. Each runs at most once per frame, in order. */
export interface WebSocketHandlers {
  open?(socket: ServerWebSocket): void;
  message?(socket: ServerWebSocket, data: string | Uint8Array): void;
  /** Called once, whoever closed, including when the connection just dropped. */
  close?(socket: ServerWebSocket, code: number, reason: string): void;
}

/** What the server knows about one request beyond the Web `Request`. */
export interface RequestInfo {
  /**
   * Present when the request asks for a WebSocket: accepts it and returns the response `fetch`
   * must return. Call it at most once, synchronously or after awaiting, before `fetch` returns.
   */
  upgradeWebSocket?: (handlers: WebSocketHandlers) => Response;
  /** The peer's IP address, when the runtime tells it. */
  remoteAddress?: string;
}

/** Options for {@link Serve}. */
export interface ServeOptions {
  hostname: string;
  port: number;
  fetch: (request: Request, info: RequestInfo) => Response | Promise<Response>;
  signal?: AbortSignal;
}

/** A running HTTP server. */
export interface HttpServer {
  readonly hostname: string;
  readonly port: number;
  /**
   * Stops accepting, lets in-flight requests finish, and resolves once every connection is gone.
   * After `graceMs` (default 5000) it cuts whatever is still open: streams, WebSockets, keep-alives.
   */
  close(graceMs?: number): Promise<void>;
}

/** Serves HTTP with a Web-standard `fetch` handler. */
export type Serve = (options: ServeOptions) => Promise<HttpServer>;

/** Minimal file access, for call files and configuration. */
export interface Files {
  readText(path: string): Promise<string>;
  writeText(path: string, text: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
}

/** Everything a runtime provides. Passed in explicitly; never sniffed inside `core/`. */
export interface Runtime {
  /** `node`, `deno` or `bun`. */
  readonly name: string;
  readonly connect: Connector;
  readonly listen: Listen;
  readonly serve?: Serve;
  readonly files?: Files;
  env(name: string): string | undefined;
}
