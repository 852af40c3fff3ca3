/**
 * The RFC 6455 opening-handshake checks, made once for every runtime before it is asked to
 * upgrade: runtimes differ (Deno accepts any key and version; `ws` answers a bad one with an
 * HTML page), and a refusal must be the same problem document everywhere. Web-standard code only.
 */
import { problemResponse } from "../../core/bridge/problem.ts";

/** Base64 of 16 bytes: what a client's `Sec-WebSocket-Key` must be. */
const KEY = /^[A-Za-z0-9+/]{22}==$/;
/** An RFC 9110 token, what each offered subprotocol must be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function refused(status: number, detail: string, path: string, headers: Record<string, string> = {}): Response {
  return problemResponse(status, detail, { instance: path, headers: { connection: "close", ...headers } });
}

/** Whether a comma-separated header lists `token` (case-insensitive). */
function lists(value: string | null, token: string): boolean {
  return value !== null && value.split(",").some((item) => item.trim().toLowerCase() === token);
}

/**
 * The problem response for a request that asked to upgrade but is no valid WebSocket handshake,
 * or undefined when it is one the runtime can accept.
 */
export function handshakeRefusal(request: Request): Response | undefined {
  const { headers } = request;
  const path = new URL(request.url).pathname;
  if (request.method !== "GET") return refused(405, `expected a WebSocket handshake to be a GET, got ${request.method}`, path, { allow: "GET" });
  if (!lists(headers.get("upgrade"), "websocket")) return refused(400, `expected Upgrade: websocket, got ${JSON.stringify(headers.get("upgrade") ?? "none")}`, path);
  if (!lists(headers.get("connection"), "upgrade")) return refused(400, `expected Connection: Upgrade on a WebSocket handshake, got ${JSON.stringify(headers.get("connection") ?? "none")}`, path);
  const key = headers.get("sec-websocket-key");
  if (key === null || !KEY.test(key.trim())) {
    return refused(400, `expected Sec-WebSocket-Key to be the base64 of 16 bytes (24 characters ending in ==), got ${key === null ? "none" : JSON.stringify(key.slice(0, 80))}`, path);
  }
  const version = headers.get("sec-websocket-version");
  if (version?.trim() !== "13") {
    // RFC 6455 4.4: 426 and the versions this server speaks.
    return refused(426, `expected Sec-WebSocket-Version: 13, got ${JSON.stringify(version ?? "none")}`, path, { "sec-websocket-version": "13", upgrade: "websocket" });
  }
  const protocols = headers.get("sec-websocket-protocol");
  if (protocols !== null) {
    const offered = protocols.split(",").map((item) => item.trim());
    if (offered.some((item) => !TOKEN.test(item)) || new Set(offered).size !== offered.length) {
      return refused(400, `expected Sec-WebSocket-Protocol to be a list of distinct tokens, got ${JSON.stringify(protocols.slice(0, 80))}`, path);
    }
  }
  return undefined;
}
