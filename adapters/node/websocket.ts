/** WebSocket upgrades for the Node `Serve`: the `ws` package on the `http` server's `upgrade` event. */
import { type IncomingMessage, type Server, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { problemResponse } from "../../core/bridge/problem.ts";
import type { RequestInfo, ServeOptions, ServerWebSocket, WebSocketHandlers } from "../../core/ports.ts";
import { GOING_AWAY, plainAddress, WebSocketRegistry, webSocketEvents } from "../shared/websocket-events.ts";
import { handshakeRefusal } from "../shared/websocket-handshake.ts";

/** The WebSockets of one server, for its shutdown. */
export interface NodeWebSockets {
  /** Cuts every WebSocket and every handshake still in progress. */
  cut(): void;
  /** Resolves once every accepted WebSocket's close handler has run. */
  drained(): Promise<void>;
}

/** Answers `server`'s upgrade requests through `fetch`, accepting those it upgrades. */
export function serveWebSockets(server: Server, fetch: ServeOptions["fetch"]): NodeWebSockets {
  const wss = new WebSocketServer({ noServer: true });
  // Raw sockets between the upgrade event and the end of the handshake; `wss.clients` has the rest.
  const handshaking = new Set<Duplex>();
  const registry = new WebSocketRegistry();
  // What `ws` would still refuse after our own checks (it checks the same things): a problem, not HTML.
  wss.on("wsClientError", (error: Error, socket: Duplex) => {
    void writeRaw(socket, problemResponse(400, `expected a WebSocket handshake the server can accept, got one it refused: ${error.message}`)).catch(() => socket.destroy());
  });
  server.on("upgrade", (incoming: IncomingMessage, socket: Duplex, head: Buffer) => {
    handshaking.add(socket);
    socket.once("close", () => handshaking.delete(socket));
    // A peer resetting mid-handshake is its own business; unhandled, it would crash the process.
    socket.on("error", () => {});
    void answer(wss, registry, fetch, incoming, socket, head).catch(() => socket.destroy());
  });
  return {
    cut() {
      for (const ws of wss.clients) {
        // The close frame usually makes it out before the socket goes; terminate does not wait.
        ws.close(GOING_AWAY, "server shutting down");
        ws.terminate();
      }
      for (const socket of handshaking) socket.destroy();
    },
    drained: () => registry.drained(),
  };
}

async function answer(
  wss: WebSocketServer,
  registry: WebSocketRegistry,
  fetch: ServeOptions["fetch"],
  incoming: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  let handlers: WebSocketHandlers | undefined;
  let called = false;
  const info: RequestInfo = { remoteAddress: plainAddress(incoming.socket.remoteAddress) };
  const request = upgradeRequest(incoming);
  if (incoming.headers.upgrade?.toLowerCase() === "websocket") {
    info.upgradeWebSocket = (given) => {
      if (called) throw new Error("upgradeWebSocket called twice");
      called = true;
      // Refused here, as on every runtime, so `ws` never answers one with its own HTML page.
      const refusal = handshakeRefusal(request);
      if (refusal) return refusal;
      handlers = given;
      // Only for core to return: `ws` writes the real 101 once `fetch` has returned.
      return new Response(null);
    };
  }
  let response: Response;
  try {
    response = await fetch(request, info);
  } catch (error) {
    console.error("amibridge: fetch handler threw on an upgrade request", error);
    response = problemResponse(500, "the handler failed; the bridge logged the cause", { instance: new URL(request.url).pathname });
  }
  if (socket.destroyed) return;
  // Accepting commits the upgrade, as on Bun and Deno, whatever `fetch` returned after it.
  if (handlers) {
    const wanted = handlers;
    // On a bad handshake `ws` answers 400 itself and never calls back.
    wss.handleUpgrade(incoming, socket, head, (ws) => wire(ws, wanted, registry));
    return;
  }
  await writeRaw(socket, response);
}

/** A Web `Request` for an upgrade request (which has no body). */
function upgradeRequest(incoming: IncomingMessage): Request {
  const host = incoming.headers.host ?? "";
  // A Host header with `@` or `/` in it would move the URL's host or path: keep it out.
  const base = /^[\w.-]+(:\d+)?$|^\[[\da-f:.]+\](:\d+)?$/i.test(host) ? host : "localhost";
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return new Request(new URL(incoming.url ?? "/", `http://${base}`), { method: incoming.method, headers });
}

/** Writes a refusal (any `Response`) straight to the socket, then lets the connection go. */
async function writeRaw(socket: Duplex, response: Response): Promise<void> {
  const body = new Uint8Array(await response.arrayBuffer());
  const lines = [`HTTP/1.1 ${response.status} ${response.statusText || STATUS_CODES[response.status] || ""}`];
  const skip = new Set(["connection", "content-length", "keep-alive", "transfer-encoding", "upgrade"]);
  response.headers.forEach((value, name) => {
    if (!skip.has(name)) lines.push(`${name}: ${value}`);
  });
  lines.push(`content-length: ${body.byteLength}`, "connection: close", "", "");
  if (socket.destroyed) return;
  socket.write(lines.join("\r\n"));
  socket.end(body, () => socket.destroy());
}

/** Connects one accepted `ws` socket to core's handlers. */
function wire(ws: WebSocket, handlers: WebSocketHandlers, registry: WebSocketRegistry): void {
  const socket: ServerWebSocket = {
    send(data) {
      // `ws` throws while CONNECTING and reports errors on CLOSING/CLOSED sends: drop them instead.
      if (ws.readyState === ws.OPEN) ws.send(data);
    },
    close(code, reason) {
      if (ws.readyState === ws.OPEN) ws.close(code, reason);
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
  };
  const events = webSocketEvents(socket, handlers, registry);
  ws.on("message", (data: RawData, isBinary: boolean) => events.message(isBinary ? bytes(data) : data.toString()));
  ws.on("close", (code: number, reason: Buffer) => events.close(code, reason.toString()));
  // `close` always follows an error; without a listener `ws` would rethrow it.
  ws.on("error", () => {});
  events.open();
}

function bytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
