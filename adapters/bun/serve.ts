/** `Serve` over `Bun.serve`, WebSockets included. */
import type { ServerWebSocket as BunWebSocket } from "bun";
import { problemResponse } from "../../core/bridge/problem.ts";
import type { HttpServer, RequestInfo, ServeOptions, ServerWebSocket, WebSocketHandlers } from "../../core/ports.ts";
import {
  plainAddress,
  upgradeRefused,
  WebSocketRegistry,
  webSocketEvents,
  type WebSocketEvents,
} from "../shared/websocket-events.ts";
import { watchBody } from "../shared/live-body.ts";
import { handshakeRefusal } from "../shared/websocket-handshake.ts";

/** What rides on each Bun socket: core's handlers until `open`, then the guarded events. */
interface SocketData {
  handlers: WebSocketHandlers;
  events?: WebSocketEvents;
}

/** Seconds an idle keep-alive connection stays open (Bun's default). */
const IDLE_TIMEOUT_S = 10;

/** Starts an HTTP server; `port` reports the real port when `options.port` is 0. */
export function bunServe(options: ServeOptions): Promise<HttpServer> {
  const registry = new WebSocketRegistry();
  const server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    idleTimeout: IDLE_TIMEOUT_S,
    fetch: async (request, server) => {
      const info: RequestInfo = { remoteAddress: plainAddress(server.requestIP(request)?.address) };
      let called = false;
      let upgraded = false;
      if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
        info.upgradeWebSocket = (handlers) => {
          if (called) throw new Error("upgradeWebSocket called twice");
          called = true;
          const refusal = handshakeRefusal(request);
          if (refusal) return refusal;
          if (!server.upgrade(request, { data: { handlers } })) return upgradeRefused(request);
          upgraded = true;
          // Bun answers the handshake itself; this is only for core to return.
          return new Response(null);
        };
      }
      const response = await options.fetch(request, info);
      // Accepting commits the upgrade, and Bun wants `undefined` back, whatever core returned.
      if (upgraded) return undefined;
      // Bun drops a connection idle for `idleTimeout`, an event stream between two events included:
      // no timeout while a body is live, the usual one again once it has ended.
      return watchBody(response, {
        live: () => {
          server.timeout(request, 0);
          return () => server.timeout(request, IDLE_TIMEOUT_S);
        },
      });
    },
    // Without it Bun answers a throwing handler with its own page: a problem document instead.
    error(error) {
      console.error("amibridge: fetch handler threw", error);
      return problemResponse(500, "the handler failed; the server logged the cause");
    },
    websocket: {
      data: {} as SocketData,
      open(ws) {
        ws.data.events = webSocketEvents(wrap(ws), ws.data.handlers, registry);
        ws.data.events.open();
      },
      message(ws, message) {
        ws.data.events?.message(message);
      },
      close(ws, code, reason) {
        ws.data.events?.close(code, reason);
      },
    },
  });
  let closing: Promise<void> | undefined;
  const close = (graceMs = 5000) =>
    (closing ??= (async () => {
      // stop(false) stops listening, lets in-flight requests finish, resolves when all are gone;
      // stop(true) then cuts the rest (streams, and WebSockets with 1001).
      const timer = setTimeout(() => void server.stop(true), graceMs);
      await server.stop(false);
      clearTimeout(timer);
      await registry.drained();
    })());
  options.signal?.addEventListener("abort", () => void close(), { once: true });
  return Promise.resolve({ hostname: options.hostname, port: server.port ?? options.port, close });
}

/** Core's view of a Bun socket. */
function wrap(ws: BunWebSocket<SocketData>): ServerWebSocket {
  return {
    send(data) {
      // Bun drops sends on a closed socket already; the check keeps that explicit.
      if (ws.readyState === 1) ws.sendText(data);
    },
    close(code, reason) {
      if (ws.readyState === 1) ws.close(code, reason);
    },
    get bufferedAmount() {
      return ws.getBufferedAmount();
    },
  };
}
