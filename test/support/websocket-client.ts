/**
 * WebSocket clients for tests: the browser-style one (global on Bun and Deno, the `ws` package on
 * Node 20), and a raw handshake over a {@link Transport} for what a browser client cannot do: stop
 * reading, or drop the TCP connection without a close frame.
 */
import type { Runtime, Transport } from "../../core/ports.ts";

/** The runtime's `WebSocket` constructor, or `ws`'s, which has the same event-target API. */
export async function webSocketClass(): Promise<typeof WebSocket> {
  if (typeof globalThis.WebSocket === "function") return globalThis.WebSocket;
  return (await import("ws")).WebSocket as unknown as typeof WebSocket;
}

/** A browser-style client with its traffic recorded. */
export interface TestWebSocket {
  readonly socket: WebSocket;
  /** Text frames received so far. */
  readonly messages: string[];
  /** Resolves with the next text frame not yet taken. */
  nextMessage(): Promise<string>;
  /** Settles with the close event's code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
}

/** Opens a client; resolves once open, rejects if the server refuses it. */
export async function openWebSocket(url: string): Promise<TestWebSocket> {
  const WebSocketClass = await webSocketClass();
  const socket = new WebSocketClass(url);
  const messages: string[] = [];
  let taken = 0;
  let wake: (() => void) | undefined;
  socket.addEventListener("message", (event) => {
    messages.push(String(event.data));
    wake?.();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve());
    socket.addEventListener("error", () => reject(new Error(`WebSocket ${url} failed to open`)));
  });
  return {
    socket,
    messages,
    closed,
    async nextMessage() {
      while (taken >= messages.length) await new Promise<void>((resolve) => (wake = resolve));
      return messages[taken++]!;
    },
  };
}

/** A WebSocket (or refused) handshake made by hand over a raw transport. */
export interface RawWebSocket {
  readonly transport: Transport;
  /** The response head (status line and headers) plus any bytes read with it. */
  readonly response: string;
  /** The reader on `transport.readable`: hold it to stop reading, use it to read again. */
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
}

/** Sends an upgrade request for `path` and reads until the end of the response head. */
export async function rawWebSocket(runtime: Runtime, port: number, path: string): Promise<RawWebSocket> {
  const transport = await runtime.connect({ hostname: "127.0.0.1", port });
  const writer = transport.writable.getWriter();
  await writer.write(
    new TextEncoder().encode(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    ),
  );
  writer.releaseLock();
  const reader = transport.readable.getReader();
  const decoder = new TextDecoder();
  let response = "";
  while (!response.includes("\r\n\r\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    response += decoder.decode(value, { stream: true });
  }
  return { transport, response, reader };
}
