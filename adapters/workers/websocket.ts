/** `RequestInfo.upgradeWebSocket` on Workers: a `WebSocketPair`, its server end driven by the handlers. */
import type { ServerWebSocket, WebSocketHandlers } from "../../core/ports.ts";

/** Accepts the WebSocket a request asks for; returns the 101 response `fetch` must return. */
export function upgradeWebSocket(handlers: WebSocketHandlers): Response {
  const pair = new WebSocketPair();
  const client = pair[0];
  const server = pair[1];
  server.accept();
  let open = true;
  const socket: ServerWebSocket = {
    send(data) {
      if (!open) return;
      try {
        server.send(data);
      } catch {
        // A socket closing under us: the frame is dropped, as the port promises.
      }
    },
    close(code, reason) {
      if (!open) return;
      open = false;
      try {
        server.close(code, reason);
      } catch {
        // already closed
      }
    },
    // Workers does not tell how much is queued; the events plugin's own queue bounds what waits.
    bufferedAmount: 0,
  };
  let closed = false;
  const onClose = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    open = false;
    handlers.close?.(socket, code, reason);
  };
  server.addEventListener("message", (event) => handlers.message?.(socket, typeof event.data === "string" ? event.data : new Uint8Array(event.data)));
  server.addEventListener("close", (event) => onClose(event.code ?? 1005, event.reason ?? ""));
  server.addEventListener("error", () => onClose(1006, ""));
  queueMicrotask(() => handlers.open?.(socket));
  return new Response(null, { status: 101, webSocket: client } as ResponseInit);
}
