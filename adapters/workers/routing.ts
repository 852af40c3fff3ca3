/**
 * Which Durable Object answers a request when there are several upstreams. Each object keeps the
 * state of its own upstream only (its event ring, its calls and channels), so a request must reach
 * the one that has it: `?server=` names it; a call request names it in its body; a call or channel
 * by id is asked of every object and the one that knows it answers; a stream or list without a
 * server is refused, since no single object holds them all.
 */

/** The header that tells a Durable Object which upstream it is (set by the worker, never by a client). */
export const UPSTREAM_HEADER = "x-amibridge-upstream";

/** A problem document (RFC 9457). */
export function problem(status: number, detail: string): Response {
  const title = status === 400 ? "Bad Request" : "Not Implemented";
  return new Response(JSON.stringify({ type: "about:blank", title, status, detail }), { status, headers: { "content-type": "application/problem+json" } });
}

/** Paths whose state lives in the objects (call tracking, the channel registry). */
export function isCallPath(path: string): boolean {
  return /^\/v1\/(calls|channels)(\/|$)/.test(path);
}

/** One call or channel by id (and what acts on it): any object may be the one that has it. */
function isByIdPath(path: string): boolean {
  return /^\/v1\/(calls|channels)\/[^/]+(\/redirect)?$/.test(path);
}

/** Requests whose JSON body may name the server. */
function bodyMayNameServer(request: Request, path: string): boolean {
  return request.method === "POST" && (path === "/v1/calls" || /^\/v1\/channels\/[^/]+\/redirect$/.test(path));
}

/** The body's `server`, if it is JSON naming one; anything else is the object's to refuse. */
async function serverInBody(request: Request): Promise<string | undefined> {
  try {
    const body = (await request.clone().json()) as { server?: unknown } | null;
    return typeof body?.server === "string" ? body.server : undefined;
  } catch {
    return undefined;
  }
}

/** Sends the request to the object of `target`. */
function toObject(namespace: WorkersDurableObjectNamespace, request: Request, target: string, body?: ArrayBuffer): Promise<Response> {
  const forwarded = new Request(request, body === undefined ? {} : { body });
  forwarded.headers.set(UPSTREAM_HEADER, target);
  return namespace.get(namespace.idFromName(target)).fetch(forwarded);
}

/**
 * Asks every object; the first answer that is not a 404 wins (the object that has the call or
 * channel), the others are discarded. All 404: the last one, which says what was expected.
 */
async function askEach(namespace: WorkersDurableObjectNamespace, request: Request, names: readonly string[]): Promise<Response> {
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
  const pending = names.map((name) => toObject(namespace, request, name, body));
  return new Promise((resolve, reject) => {
    let left = pending.length;
    let settled = false;
    for (const answer of pending) {
      answer.then(
        (response) => {
          left--;
          if (settled || (response.status === 404 && left > 0)) {
            void response.body?.cancel();
            return;
          }
          settled = true;
          resolve(response);
        },
        (error: unknown) => {
          left--;
          if (!settled && left === 0) reject(error);
        },
      );
    }
  });
}

/** Routes the request to the right object (see the module comment). */
export async function routeToObject(namespace: WorkersDurableObjectNamespace, request: Request, names: readonly string[]): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname;
  const asked = url.searchParams.get("server");
  if (asked !== null && !names.includes(asked)) return problem(400, `expected a server name (one of ${names.join(", ")}), got ${JSON.stringify(asked)}`);
  if (asked !== null) return toObject(namespace, request, asked);
  if (names.length === 1) return toObject(namespace, request, names[0]!);
  if (bodyMayNameServer(request, path)) {
    const named = await serverInBody(request);
    if (named !== undefined && !names.includes(named)) return problem(400, `expected a server name (one of ${names.join(", ")}) in the body's "server", got ${JSON.stringify(named.slice(0, 80))}`);
    if (named !== undefined) return toObject(namespace, request, named);
    if (path === "/v1/calls") return problem(400, `expected "server" in the body naming the upstream to place the call on (one of ${names.join(", ")}): each upstream's calls are tracked in its own Durable Object`);
  }
  if (isByIdPath(path)) return askEach(namespace, request, names);
  if (path.startsWith("/v1/events")) return problem(400, `expected ?server= naming the upstream whose events to stream (one of ${names.join(", ")}): each upstream's events live in its own Durable Object`);
  if (isCallPath(path)) return problem(400, `expected ?server= naming the upstream whose ${path.startsWith("/v1/calls") ? "calls" : "channels"} to list (one of ${names.join(", ")}): each upstream's calls and channels live in its own Durable Object`);
  return toObject(namespace, request, names[0]!);
}
