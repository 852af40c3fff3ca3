/**
 * The credentials an AMI-over-HTTP session rides on: the `mansession_id` cookie that the Login
 * action earns (`/rawman`), or an HTTP Digest challenge and its nonce count (`/arawman`), where the
 * server keeps one session per nonce for as long as the nonce is reused with a growing count.
 */
import { digestAuthorization, parseDigestChallenge, type DigestChallenge } from "../../http-digest.ts";

/** What a response's `Set-Cookie` said about our session. */
export type CookieNews = "none" | "first" | "kept" | "changed";

const COOKIE = /mansession_id="?([0-9a-fA-F]+)"?/;

/** The cookie or digest state of one client. */
export class HttpCredentials {
  readonly mode: "cookie" | "digest";
  readonly #username: string;
  readonly #secret: string;
  #cookie: string | undefined;
  #challenge: DigestChallenge | undefined;
  #nc = 0;

  constructor(mode: "cookie" | "digest", username: string, secret: string) {
    this.mode = mode;
    this.#username = username;
    this.#secret = secret;
  }

  /** Whether the next request carries credentials (a cookie, or an answer to a challenge). */
  get armed(): boolean {
    return this.mode === "cookie" ? this.#cookie !== undefined : this.#challenge !== undefined;
  }

  /** Headers for one request of `method` to `uri` (path and query). */
  headers(method: string, uri: string): Record<string, string> {
    if (this.mode === "cookie") return this.#cookie === undefined ? {} : { cookie: `mansession_id="${this.#cookie}"` };
    if (!this.#challenge) return {};
    const cnonce = crypto.getRandomValues(new Uint32Array(2)).reduce((text, n) => text + n.toString(16).padStart(8, "0"), "");
    return { authorization: digestAuthorization({ username: this.#username, secret: this.#secret, method, uri, challenge: this.#challenge, nc: ++this.#nc, cnonce }) };
  }

  /** Reads the answer's cookie: a different one means the server started a new session for us. */
  noteCookie(headers: Headers): CookieNews {
    if (this.mode !== "cookie") return "none";
    const value = COOKIE.exec(headers.get("set-cookie") ?? "")?.[1]?.toLowerCase();
    if (value === undefined) return "none";
    const before = this.#cookie;
    this.#cookie = value;
    if (before === undefined) return "first";
    return before === value ? "kept" : "changed";
  }

  /**
   * A 401: takes its challenge. Returns `retry` when the request may be sent again with it (a
   * first or stale challenge: the server did not run the request), `refused` when our answer
   * to the current challenge was rejected (a wrong user or secret).
   */
  onUnauthorized(headers: Headers, hadCredentials: boolean): "retry" | "refused" {
    const header = headers.get("www-authenticate");
    const challenge = parseDigestChallenge(header);
    if (!challenge) return "refused";
    const stale = /stale\s*=\s*"?true/i.test(header ?? "");
    this.#challenge = challenge;
    this.#nc = 0;
    return !hadCredentials || stale ? "retry" : "refused";
  }

  /** Forgets the session, so the next login starts a new one. */
  forget(): void {
    this.#cookie = undefined;
    this.#challenge = undefined;
    this.#nc = 0;
  }
}
