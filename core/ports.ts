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

/** What {@link Files.stat} tells about a path (it follows symbolic links). */
export interface FileStat {
  isFile: boolean;
  isDirectory: boolean;
  size: number;
  /** Modification time, ms since the epoch. */
  mtimeMs: number;
  /** Device id: two paths on the same filesystem have the same one, so a rename between them is atomic. */
  dev: number;
  uid: number;
  gid: number;
  /** Permission bits (`0o644`), without the file type. */
  mode: number;
}

/** A running folder watch; see {@link Files.watch}. */
export interface FileWatch {
  close(): void;
}

/**
 * File access, for call files and configuration. Every method rejects with a `FileError`
 * (core/files/errors.ts) carrying a POSIX code (`ENOENT`, `EXDEV`, `ENOSPC` …).
 */
export interface Files {
  readText(path: string): Promise<string>;
  writeText(path: string, text: string): Promise<void>;
  /**
   * Writes the whole text and flushes it to the disk (fsync) before resolving. `exclusive`
   * refuses an existing file (`EEXIST`); `mode` sets the permission bits of a new file (before the umask).
   */
  writeDurable(path: string, text: string, options?: { mode?: number; exclusive?: boolean }): Promise<void>;
  /** Appends text, creating the file when missing. */
  appendText(path: string, text: string): Promise<void>;
  /** Atomic on one filesystem; across filesystems it fails with `EXDEV` (never copies). */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file or an empty folder. */
  remove(path: string): Promise<void>;
  stat(path: string): Promise<FileStat>;
  /** Sets the access and modification times (ms since the epoch). */
  utime(path: string, atimeMs: number, mtimeMs: number): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  chown(path: string, uid: number, gid: number): Promise<void>;
  /** Creates a folder (and its parents with `recursive`, which also accepts one that exists). */
  mkdir(path: string, options?: { recursive?: boolean; mode?: number }): Promise<void>;
  /** The names in a folder, sorted, without `.` and `..`. */
  list(path: string): Promise<string[]>;
  /** Creates a fresh folder in the system's temporary folder, its name starting with `prefix`; resolves to its path. */
  makeTempDir(prefix: string): Promise<string>;
  /**
   * Calls `onChange` (with the entry's name when the runtime tells it) when something in the
   * folder changes. A hint only: events may be merged, late or missed, so callers also poll.
   */
  watch?(path: string, onChange: (name?: string) => void): FileWatch;
}

/** One bus entry as the journal stores it. */
export interface JournalRecord {
  /** Bridge sequence number. Appends continue the sequence: each record's is above every stored one. */
  readonly seq: number;
  /** Milliseconds since the epoch when the entry was received (events) or raised (notices). */
  readonly time: number;
  /** Entry type: `event`, or a notice type. */
  readonly type: string;
  /** Upstream (Asterisk server) name. */
  readonly server: string;
  /** Event name, or the notice type. */
  readonly name: string;
  /** The AMI frame's bytes for events; the notice's fields as UTF-8 JSON for notices. */
  readonly data: Uint8Array;
}

/** Bounds for {@link Journal.trim}; records are removed oldest first until every one holds. */
export interface JournalBounds {
  /** Most records kept. */
  maxRecords?: number;
  /** Most bytes of `data` kept. */
  maxBytes?: number;
  /** Records with `time` before this (ms since the epoch) are removed. */
  minTime?: number;
  /**
   * Records with a sequence number above this are kept whatever the other bounds say: what some
   * consumer still needs (the lowest consumer cursor). Trimming stops at the first such record.
   */
  keepAfterSeq?: number;
}

/** Size and range of a journal. `firstSeq` > `lastSeq` when it holds no record. */
export interface JournalStats {
  records: number;
  /** Bytes of `data` held. */
  bytes: number;
  /** Sequence number of the oldest record held (`lastSeq + 1` when empty). */
  firstSeq: number;
  /** Highest sequence number ever appended, even when trimmed since (0 for a new journal). */
  lastSeq: number;
  /** `time` of the oldest record held. */
  oldestTime?: number;
}

/**
 * A durable, ordered log of bus entries with small durable values beside it (consumer cursors,
 * webhook subscriptions, dead letters): the store behind webhooks and resume across restarts.
 * Each runtime implements it once (SQLite in WAL mode through its built-in driver); every
 * implementation passes the same conformance suite, so another backend can take its place.
 * Methods are async so a networked backend fits; calls are not made concurrently by the bridge.
 */
export interface Journal {
  /** Appends records in one transaction; they are durable when the promise resolves. */
  append(records: readonly JournalRecord[]): Promise<void>;
  /** Up to `limit` records with a sequence number above `afterSeq`, oldest first. */
  read(afterSeq: number, limit: number): Promise<JournalRecord[]>;
  stats(): Promise<JournalStats>;
  /** Removes the oldest records until every bound holds; resolves to how many went. */
  trim(bounds: JournalBounds): Promise<number>;
  /** A durable value (JSON text by convention), or undefined. */
  getValue(key: string): Promise<string | undefined>;
  /** Sets and deletes (`undefined`) values in one transaction. */
  setValues(entries: ReadonlyArray<readonly [key: string, value: string | undefined]>): Promise<void>;
  /** Every value whose key starts with `prefix`, in key order. */
  listValues(prefix: string): Promise<Array<[string, string]>>;
  /** Flushes and closes; idempotent. */
  close(): Promise<void>;
}

/** Options for {@link OpenJournal}. */
export interface OpenJournalOptions {
  /** Database file; its folder is created when missing. */
  path: string;
  /**
   * `normal` (default): a commit survives the process being killed, not a power loss (SQLite WAL
   * with synchronous=NORMAL). `full`: one fsync per commit, so it survives a power loss too.
   */
  synchronous?: "normal" | "full";
}

/**
 * Opens (or creates) a journal. A file that is not a journal, or is damaged, is moved aside
 * (`<path>.damaged-<time>`) and the promise rejects with a `JournalError` coded
 * `JOURNAL_CORRUPT` naming both paths: never a crash loop, never a silent fresh start.
 */
export type OpenJournal = (options: OpenJournalOptions) => Promise<Journal>;

/**
 * Resolves a host name to its IP addresses (A and AAAA), IPv4 first. Callers that must know the
 * address they connect to (the webhook SSRF guard) resolve first, check, then connect to the IP.
 * Rejects when the name does not resolve.
 */
export type Resolve = (hostname: string) => Promise<string[]>;

/** Everything a runtime provides. Passed in explicitly; never sniffed inside `core/`. */
/** HMAC-SHA256 under one key, made once and used for many messages. */
export interface MacKey {
  /** The MAC of the parts' concatenation. */
  sign(...parts: Uint8Array[]): Uint8Array;
}

/**
 * A synchronous, keyed HMAC-SHA256 (webhook signatures): the runtime's native hash where it has
 * one. Without it, core/crypto/hmac-sha256.ts, the same everywhere, several times slower on large bodies.
 */
export type HmacSha256 = (key: Uint8Array) => MacKey;

export interface Runtime {
  /** `node`, `deno` or `bun`. */
  readonly name: string;
  readonly connect: Connector;
  readonly listen: Listen;
  readonly serve?: Serve;
  readonly files?: Files;
  /** DNS resolution, for outgoing requests that check the address before connecting. */
  readonly resolve?: Resolve;
  /** The embedded journal (SQLite), where the runtime has one. */
  readonly openJournal?: OpenJournal;
  /** A native HMAC-SHA256, where the runtime has one (webhook signatures). */
  readonly hmacSha256?: HmacSha256;
  env(name: string): string | undefined;
}
