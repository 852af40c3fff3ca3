/**
 * What every runtime's `Serve` shares around WebSockets, in Web-standard code only: the
 * delivery guarantees of {@link WebSocketHandlers}, the open-socket registry a shutdown waits on,
 * the refusal response and peer addresses.
 */
import { problemResponse } from "../../core/bridge/problem.ts";
import type { ServerWebSocket, WebSocketHandlers } from "../../core/ports.ts";

/** The three events a runtime reports for one accepted socket. */
export interface WebSocketEvents {
  open(): void;
  message(data: string | Uint8Array): void;
  close(code: number, reason: string): void;
}

/**
 * Delivers a runtime's raw events to core's handlers so every runtime behaves alike: `close` at
 * most once (runtimes differ on error-then-close after a dropped connection), nothing after it,
 * and a throwing handler is logged rather than crashing the server from inside an event callback.
 */
export function webSocketEvents(
  socket: ServerWebSocket,
  handlers: WebSocketHandlers,
  registry: WebSocketRegistry,
): WebSocketEvents {
  let closed = false;
  const guard = (name: string, call: () => void) => {
    try {
      call();
    } catch (error) {
      console.error(`amibridge: WebSocket ${name} handler threw`, error);
    }
  };
  const events: WebSocketEvents = {
    open: () => {
      if (!closed) guard("open", () => handlers.open?.(socket));
    },
    message: (data) => {
      if (!closed) guard("message", () => handlers.message?.(socket, data));
    },
    close: (code, reason) => {
      if (closed) return;
      closed = true;
      guard("close", () => handlers.close?.(socket, code, reason));
      registry.delete(socket);
    },
  };
  registry.add(socket, events.close);
  return events;
}

/**
 * The open WebSockets of one server, so that its `close()` can resolve only once every close
 * handler has run, whichever order the runtime reports the socket and the server gone in.
 */
export class WebSocketRegistry {
  readonly #open = new Map<ServerWebSocket, (code: number, reason: string) => void>();
  #wake: Array<() => void> = [];

  /** Sockets accepted and not yet closed. */
  get open(): Iterable<ServerWebSocket> {
    return this.#open.keys();
  }

  /** Counts `socket` as open; `close` delivers its close event. */
  add(socket: ServerWebSocket, close: (code: number, reason: string) => void): void {
    this.#open.set(socket, close);
  }

  /** Counts `socket` as gone, after its close handler ran. */
  delete(socket: ServerWebSocket): void {
    this.#open.delete(socket);
    if (this.#open.size > 0) return;
    for (const wake of this.#wake.splice(0)) wake();
  }

  /** Resolves once no socket is open. */
  drained(): Promise<void> {
    return this.#open.size === 0 ? Promise.resolve() : new Promise((resolve) => this.#wake.push(resolve));
  }

  /** Delivers a close event to every socket the runtime could not close, as a dropped connection. */
  abandon(): void {
    for (const close of [...this.#open.values()]) close(1006, "");
  }
}

/** The answer when a request asked for a WebSocket the runtime could not accept (bad handshake). */
export function upgradeRefused(request: Request): Response {
  return problemResponse(400, "expected a WebSocket handshake the server can accept, got one it refused", {
    instance: new URL(request.url).pathname,
    headers: { connection: "close" },
  });
}

/** Close code sent to WebSockets still open when the server's grace period runs out. */
export const GOING_AWAY = 1001;

/** `::ffff:127.0.0.1` (an IPv4 peer on a dual-stack socket) as `127.0.0.1`, so allow-lists match. */
export function plainAddress(address: string | undefined): string | undefined {
  return address?.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}
