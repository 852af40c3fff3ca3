/**
 * Bearer-token authentication for the HTTP API. Tokens are compared as SHA-256 digests in
 * constant time, so neither timing nor length tells an attacker how close a guess was.
 */
import { OPEN_POLICY, type TokenPolicy } from "./grants.ts";
import { HttpProblem } from "./problem.ts";

/** A token and what it may do. */
export interface TokenSpec extends TokenPolicy {
  /** The secret itself; only its digest is kept. */
  token: string;
}

/** Options for {@link Authenticator}. */
export interface AuthOptions {
  /** `open` lets every request through with {@link OPEN_POLICY}: only ever explicit. */
  mode: "tokens" | "open";
  tokens?: readonly TokenSpec[];
  /** What `open` gives everyone; default {@link OPEN_POLICY}. Only the demo widens it (core/cli/serve-command.ts). */
  openPolicy?: TokenPolicy;
}

const encoder = new TextEncoder();

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

function equalDigests(a: Uint8Array, b: Uint8Array): boolean {
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const UNAUTHORIZED_HEADERS = { "www-authenticate": 'Bearer realm="amibridge"' };

/** Turns a request into the policy of the token it carries. */
export class Authenticator {
  readonly mode: "tokens" | "open";
  readonly #tokens: Promise<{ digest: Uint8Array; policy: TokenPolicy }[]>;
  readonly #count: number;
  readonly #open: TokenPolicy;

  constructor(options: AuthOptions) {
    this.mode = options.mode;
    this.#open = options.openPolicy ?? OPEN_POLICY;
    const tokens = options.tokens ?? [];
    this.#count = tokens.length;
    this.#tokens = Promise.all(
      tokens.map(async ({ token, ...policy }) => ({ digest: await digest(token), policy: { name: policy.name, read: policy.read, actions: policy.actions, grants: policy.grants, servers: policy.servers, ...(policy.calls ? { calls: policy.calls } : {}) } })),
    );
  }

  /** Number of configured tokens. */
  get tokenCount(): number {
    return this.#count;
  }

  /**
   * The policy for a request. The token comes from `Authorization: Bearer …`, or for GET requests
   * from `?access_token=` (EventSource and browser WebSockets cannot send headers). Throws a 401
   * problem when it is missing or unknown.
   */
  async authenticate(request: Request): Promise<TokenPolicy> {
    if (this.mode === "open") return this.#open;
    const header = request.headers.get("authorization");
    let token: string | undefined;
    if (header !== null) {
      const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
      if (!match) throw new HttpProblem(401, `expected an "Authorization: Bearer <token>" header, got an Authorization header of another form`, { headers: UNAUTHORIZED_HEADERS });
      token = match[1];
    } else if (request.method === "GET") {
      token = new URL(request.url).searchParams.get("access_token") ?? undefined;
    }
    if (!token) throw new HttpProblem(401, `expected an API token in "Authorization: Bearer <token>"${request.method === "GET" ? " or ?access_token=" : ""}, got none`, { headers: UNAUTHORIZED_HEADERS });
    const presented = await digest(token);
    let found: TokenPolicy | undefined;
    // Compare against every token, without stopping early.
    for (const candidate of await this.#tokens) if (equalDigests(candidate.digest, presented)) found = candidate.policy;
    if (!found) throw new HttpProblem(401, "expected a valid API token, got one that matches no configured token", { headers: UNAUTHORIZED_HEADERS });
    return found;
  }
}
