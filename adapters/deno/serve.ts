/** `Serve` over `Deno.serve`, WebSockets included. */
import { problemResponse } from "../../core/bridge/problem.ts";
import type { HttpServer, RequestInfo, ServeOptions } from "../../core/ports.ts";
import { GOING_AWAY, plainAddress, upgradeRefused, WebSocketRegistry } from "../shared/websocket-events.ts";
import { CUT, watchBody } from "../shared/live-body.ts";
import { handshakeRefusal } from "../shared/websocket-handshake.ts";
import { denoRequest, unreadableUrl } from "./request.ts";
import { upgrade } from "./websocket.ts";

/** How long after the grace period a stuck WebSocket may hold up `close()`. */
const STUCK_WEBSOCKET_MS = 500;

/** Starts an HTTP server; `port` reports the real port when `options.port` is 0. */
export function denoServe(options: ServeOptions): Promise<HttpServer> {
  // Deno's graceful shutdown() waits for every body to end, and once it has begun its non-graceful
  // variant (the `signal`) no longer works: bodies still streaming are cut by hand.
  const cuts = new Set<() => void>();
  const live = {
    live: (cut: () => void) => {
      cuts.add(cut);
      return () => void cuts.delete(cut);
    },
  };
  const registry = new WebSocketRegistry();
  const server = Deno.serve(
    {
      hostname: options.hostname,
      port: options.port,
      // Given, so Deno does not print its own "Listening on" line.
      onListen: () => {},
      // Deno reports a failed body here too: a cut one is no news.
      onError: (error) => {
        if (error !== CUT) console.error(error);
        return problemResponse(500, "the handler failed; the server logged the cause");
      },
    },
    async (received, handlerInfo) => {
      const unreadable = unreadableUrl(received);
      if (unreadable) return unreadable;
      const request = denoRequest(received, handlerInfo.completed);
      const remoteAddr = handlerInfo.remoteAddr;
      const info: RequestInfo = { remoteAddress: plainAddress("hostname" in remoteAddr ? remoteAddr.hostname : undefined) };
      let called = false;
      let upgraded: Response | undefined;
      if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
        info.upgradeWebSocket = (handlers) => {
          if (called) throw new Error("upgradeWebSocket called twice");
          called = true;
          const refusal = handshakeRefusal(request);
          if (refusal) return refusal;
          upgraded = upgrade(request, handlers, registry);
          return upgraded ?? upgradeRefused(request);
        };
      }
      const response = await options.fetch(request, info);
      // Accepting commits the upgrade: Deno must get its own 101 back, whatever core returned.
      return upgraded ?? watchBody(response, live);
    },
  );
  let closing: Promise<void> | undefined;
  const close = (graceMs = 5000) =>
    (closing ??= (async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const givenUp = new Promise<void>((giveUp) => {
        timer = setTimeout(() => {
          for (const cut of [...cuts]) cut();
          // Deno's shutdown already closes WebSockets (1001) as it begins; this is in case it did not.
          for (const socket of [...registry.open]) socket.close(GOING_AWAY, "server shutting down");
          // Nothing public can drop a WebSocket whose peer reads nothing once shutdown() has begun
          // (its close frame never gets written): past this, stop waiting for it.
          Deno.unrefTimer(setTimeout(giveUp, STUCK_WEBSOCKET_MS));
        }, graceMs);
      });
      // shutdown() stops listening at once and lets in-flight requests finish.
      const finished = server.shutdown().then(() => server.finished).then(() => registry.drained());
      // Should it fail after we stopped waiting for it, that must not be an unhandled rejection.
      finished.catch(() => {});
      await Promise.race([finished, givenUp]);
      clearTimeout(timer);
      registry.abandon();
    })());
  options.signal?.addEventListener("abort", () => void close(), { once: true });
  return Promise.resolve({ hostname: options.hostname, port: server.addr.port, close });
}
