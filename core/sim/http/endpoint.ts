/**
 * The simulated PBX's AMI over HTTP (Asterisk's main/manager.c HTTP side): `/rawman`, `/mxml` and
 * `/manager` with the `mansession_id` cookie, `/arawman`, `/amxml` and `/amanager` with HTTP Digest,
 * as a Web `fetch` handler that any runtime's `serve` can run. Responses match the captures
 * `http-*.txt` and `http-manager.html` header for header and byte for byte.
 */
import { parseDigestParams, digestHa1, digestHash } from "../../http-digest.ts";
import { AmiMessage } from "../../message.ts";
import type { PbxState } from "../action-context.ts";
import type { Pairs } from "../events.ts";
import type { ManagerSession } from "../manager-session.ts";
import { ALL_CLASSES } from "../permissions.ts";
import { HttpRequestSession, HttpSimSession } from "./session.ts";
import { managerIdFromCookies, parseForm } from "./params.ts";
import { ajaxResponse, digestManagerPage, errorPage, managerPage, translateOutput } from "./translate.ts";

/** What the endpoint needs from the PBX. */
export interface ManagerHttpHost {
  readonly state: PbxState;
  /** Runs one action of `session` (the dispatcher). */
  handle(session: ManagerSession, message: AmiMessage): Promise<void>;
  /** Asterisk's `httptimeout`, in ms: a session lapses this long after its last request. */
  readonly httpTimeoutMs: number;
  /** How long a digest nonce stays usable (Asterisk: 62 s). */
  readonly nonceLifetimeMs: number;
  readonly maxQueuedBytes: number;
  /** `IPV4/TCP/127.0.0.1/8088`: the HTTP server's own address, for security events. */
  localAddress(): string;
}

type Format = "raw" | "xml" | "html";

const ROUTES: Readonly<Record<string, { format: Format; digest: boolean }>> = {
  "/rawman": { format: "raw", digest: false },
  "/mxml": { format: "xml", digest: false },
  "/manager": { format: "html", digest: false },
  "/arawman": { format: "raw", digest: true },
  "/amxml": { format: "xml", digest: true },
  "/amanager": { format: "html", digest: true },
};

const CONTENT_TYPE: Readonly<Record<Format, string>> = { raw: "text/plain", xml: "text/xml", html: "text/html" };

/** Asterisk's MAX_CONTENT_LENGTH for a form body. */
const MAX_BODY_BYTES = 40_960;
/** AST_MAX_MANHEADERS: parameters past it are dropped without a word. */
const MAX_HEADERS = 128;
/** manager.conf's default realm. */
const REALM = "asterisk";

/** A random non-zero 32-bit session id. */
function randomId(bits: 31 | 32): number {
  for (;;) {
    const value = crypto.getRandomValues(new Uint32Array(1))[0]! >>> (32 - bits);
    if (value !== 0) return value;
  }
}

function hex8(value: number): string {
  return value.toString(16).padStart(8, "0");
}

/** The HTTP side of the simulated PBX. */
export class ManagerHttpEndpoint {
  readonly #host: ManagerHttpHost;
  readonly #sessions = new Set<HttpSimSession>();
  readonly #serverName: string;
  #nextId = 1;
  #closed = false;

  constructor(host: ManagerHttpHost) {
    this.#host = host;
    this.#serverName = `Asterisk/${host.state.asteriskVersion}`;
  }

  /** Live HTTP sessions (logged in or not), oldest first. */
  get sessions(): readonly HttpSimSession[] {
    return [...this.#sessions];
  }

  /** The live sessions themselves, for the event broadcast (no copy per event). */
  get liveSessions(): Iterable<HttpSimSession> {
    return this.#sessions;
  }

  /** Destroys every session; waiting WaitEvents answer at once. */
  close(): void {
    this.#closed = true;
    for (const session of [...this.#sessions]) session.destroy("server-closed");
  }

  /** Answers one HTTP request. */
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const route = ROUTES[url.pathname];
    if (!route) return this.#error(404, "Not Found", "The requested URL was not found on this server.");
    const method = request.method.toUpperCase();
    if (method !== "GET" && method !== "HEAD" && method !== "POST") return this.#error(501, "Not Implemented", "Attempt to use unimplemented / unsupported method");
    if (this.#closed) return this.#error(503, "Service Unavailable", "Asterisk is shutting down");
    return route.digest ? this.#digest(request, url, method, route.format) : this.#generic(request, url, method, route.format);
  }

  /** Parameters from the query, or for a POST only from a form body (as Asterisk does). */
  async #params(request: Request, url: URL, method: string): Promise<Pairs | Response> {
    if (method !== "POST") return parseForm(url.search.slice(1));
    const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (type !== "application/x-www-form-urlencoded") return [];
    const declared = Number(request.headers.get("content-length") ?? "0");
    if (declared > MAX_BODY_BYTES) return this.#error(413, "Request Entity Too Large", "Body too large");
    const body = await readLimited(request, MAX_BODY_BYTES);
    if (body === undefined) return this.#error(413, "Request Entity Too Large", "Body too large");
    return parseForm(body);
  }

  async #generic(request: Request, url: URL, method: string, format: Format): Promise<Response> {
    const params = await this.#params(request, url, method);
    if (params instanceof Response) return params;
    const session = this.#find(managerIdFromCookies(request.headers.get("cookie"))) ?? this.#create(randomId(32), ALL_CLASSES);
    session.inUse++;
    const view = new HttpRequestSession(session);
    try {
      await this.#host.handle(view, AmiMessage.from(params.slice(0, MAX_HEADERS)));
    } finally {
      const authenticated = session.user !== undefined;
      const timeoutMs = this.#host.httpTimeoutMs;
      session.expiresAt = Date.now() + (authenticated || timeoutMs < 5000 ? timeoutMs : 5000);
      if (session.needDestroy !== undefined) {
        if (session.inUse === 1) session.destroy(session.needDestroy);
        else session.interrupt();
      }
      session.inUse--;
    }
    return this.#answer(format, view, params, {
      "Set-Cookie": `mansession_id="${session.cookie}"; Version=1; Max-Age=${Math.ceil(this.#host.httpTimeoutMs / 1000)}`,
      Pragma: "SuppressEvents",
    });
  }

  async #digest(request: Request, url: URL, method: string, format: Format): Promise<Response> {
    const header = request.headers.get("authorization");
    const digest = header ? parseDigestParams(header) : undefined;
    const realm = digest?.get("realm");
    const nonceText = digest?.get("nonce");
    const username = digest?.get("username");
    const uri = digest?.get("uri");
    const answer = digest?.get("response");
    const qop = (digest?.get("qop") ?? "").toLowerCase() === "auth";
    const algorithm = digest?.get("algorithm");
    const nonceMatch = /^[0-9a-f]+/i.exec(nonceText ?? "");
    if (!digest || !realm || !nonceMatch || !username || !uri || !answer || (algorithm !== undefined && algorithm.toLowerCase() !== "md5")) {
      return this.#challenge(randomId(31), false);
    }
    if (qop && (!digest.get("cnonce") || !digest.get("nc"))) return this.#challenge(randomId(31), false);
    const nonce = Number.parseInt(nonceMatch[0].slice(0, 13), 16);
    const user = this.#host.state.users.find(username);
    if (!user) return this.#challenge(randomId(31), false);
    const nc = digest.get("nc") ?? "";
    const expected = digestHash({ ha1: digestHa1(user.username, REALM, user.secret), method, uri, nonce: hex8(nonce), nc, cnonce: digest.get("cnonce") ?? "", qop });
    if (answer.toLowerCase() !== expected) return this.#challenge(randomId(31), false);
    const now = Date.now();
    let session = this.#findByNonce(user.username, nonce);
    if (!session) {
      session = this.#create(nonce, 0);
      session.user = user;
      session.nonceTime = now;
    } else if (session.managerId !== nonce) {
      return this.#challenge(session.managerId, true);
    } else {
      const count = Number.parseInt(nc, 16);
      if (!(count > session.nc) || now - session.nonceTime > this.#host.nonceLifetimeMs) {
        session.nc = 0;
        session.oldNonce = session.managerId;
        session.managerId = randomId(31);
        session.nonceTime = now;
        return this.#challenge(session.managerId, true);
      }
      session.nc = count;
    }
    const params = await this.#params(request, url, method);
    if (params instanceof Response) return params;
    session.expiresAt = now + Math.max(this.#host.httpTimeoutMs, 5000);
    session.inUse++;
    const view = new HttpRequestSession(session);
    try {
      await this.#host.handle(view, AmiMessage.from(params.slice(0, MAX_HEADERS)));
    } finally {
      session.inUse--;
      if (session.needDestroy !== undefined) session.destroy(session.needDestroy);
    }
    return this.#answer(format, view, params, {}, true);
  }

  #answer(format: Format, view: HttpRequestSession, params: Pairs, headers: Record<string, string>, digest = false): Response {
    const output = view.outputText();
    let body: string;
    if (format === "raw") body = output;
    else if (format === "xml") body = ajaxResponse(translateOutput(output, "xml", params));
    else body = (digest ? digestManagerPage : managerPage)(translateOutput(output, "html", params));
    return new Response(body, { status: 200, headers: { ...this.#common(), "Content-type": CONTENT_TYPE[format], ...headers } });
  }

  #challenge(nonce: number, stale: boolean): Response {
    const text = hex8(nonce);
    const headers = {
      ...this.#common(),
      "WWW-authenticate": `Digest algorithm=MD5, realm="${REALM}", nonce="${text}", qop="auth", opaque="${text}"${stale ? ", stale=true" : ""}`,
      "Content-type": "text/html",
    };
    return new Response(errorPage(401, "Unauthorized", "", this.#serverName), { status: 401, headers });
  }

  #error(status: number, title: string, text: string): Response {
    return new Response(errorPage(status, title, text, this.#serverName), { status, headers: { ...this.#common(), "Content-type": "text/html" } });
  }

  #common(): Record<string, string> {
    return { Server: this.#serverName, "Cache-Control": "no-cache, no-store" };
  }

  /** The live session with this cookie; lapsed ones are purged on the way. */
  #find(managerId: number): HttpSimSession | undefined {
    if (managerId === 0) return undefined;
    for (const session of this.#sessions) {
      if (session.expired) session.destroy("peer-closed");
      else if (session.managerId === managerId && session.needDestroy === undefined) return session;
    }
    return undefined;
  }

  /** The digest session of `username` whose current (or, stale, previous) nonce is `nonce`. */
  #findByNonce(username: string, nonce: number): HttpSimSession | undefined {
    for (const session of this.#sessions) {
      if (session.expired) {
        session.destroy("peer-closed");
        continue;
      }
      if (session.user?.username.toLowerCase() !== username.toLowerCase()) continue;
      if (session.managerId === nonce || session.oldNonce === nonce) return session;
    }
    return undefined;
  }

  #create(managerId: number, eventMask: number): HttpSimSession {
    const id = this.#nextId++;
    const session = new HttpSimSession({
      id,
      managerId,
      local: this.#host.localAddress(),
      remote: `IPV4/TCP/127.0.0.1/${50000 + (id % 10000)}`,
      expiresAt: Date.now() + Math.min(this.#host.httpTimeoutMs, 5000),
      eventMask,
      limits: { maxQueuedBytes: this.#host.maxQueuedBytes, waitMarginMs: Math.min(10_000, this.#host.httpTimeoutMs / 6) },
      onEnd: (ended) => void this.#sessions.delete(ended),
    });
    this.#sessions.add(session);
    return session;
  }
}

/** The body as text, or undefined once it passes `limit` bytes (the rest is not read). */
async function readLimited(request: Request, limit: number): Promise<string | undefined> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(bytes);
}
