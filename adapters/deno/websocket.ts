/** WebSockets for the Deno `Serve`: a `Deno.upgradeWebSocket` socket behind core's handlers. */
import type { ServerWebSocket, WebSocketHandlers } from "../../core/ports.ts";
import { type WebSocketRegistry, webSocketEvents } from "../shared/websocket-events.ts";

/**
 * Accepts `request` as a WebSocket wired to `handlers`: Deno's 101 response, which the server
 * must answer with; undefined when the request is not a valid handshake.
 */
export function upgrade(request: Request, handlers: WebSocketHandlers, registry: WebSocketRegistry): Response | undefined {
  let accepted: Deno.WebSocketUpgrade;
  try {
    accepted = Deno.upgradeWebSocket(request);
  } catch {
    return undefined;
  }
  wire(accepted.socket, handlers, registry);
  return accepted.response;
}

function wire(ws: WebSocket, handlers: WebSocketHandlers, registry: WebSocketRegistry): void {
  const socket: ServerWebSocket = {
    send(data) {
      // Deno throws on a socket that is not open; the port promises a silent drop.
      if (ws.readyState === WebSocket.OPEN) ws.send(data);
    },
    close(code, reason) {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code, reason);
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
  };
  const events = webSocketEvents(socket, handlers, registry);
  ws.binaryType = "arraybuffer";
  ws.addEventListener("open", () => events.open());
  ws.addEventListener("message", (event: MessageEvent) =>
    events.message(typeof event.data === "string" ? event.data : new Uint8Array(event.data as ArrayBuffer)),
  );
  // After a dropped connection Deno fires `error` then `close`; only `close` matters.
  ws.addEventListener("close", (event) => events.close(event.code, event.reason));
}
