/**
 * Webhook receivers for tests, on every runtime: an HTTP server over the runtime's `serve` port
 * that records each request and answers as the test says, and a raw TCP server (the `listen`
 * port) for the answers no HTTP server would send (a 50 MB body, nothing at all).
 */
import type { HttpServer, Listener, Runtime, Transport } from "../../core/ports.ts";

/** One request a receiver got. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Date.now() when it arrived. */
  at: number;
}

/** What a receiver answers: a status (with headers), or a Response, possibly after a wait. */
export type Responder = (request: ReceivedRequest, index: number) => Response | number | Promise<Response | number>;

/** A running HTTP receiver. */
export interface WebhookReceiver {
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** Changes how later requests are answered. */
  respond(responder: Responder): void;
  /** Resolves once at least `count` requests arrived (polling; rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/** Starts an HTTP receiver on 127.0.0.1 (`port` 0: a free one). Default answer: 204. */
export async function startReceiver(runtime: Runtime, responder: Responder = () => 204, port = 0): Promise<WebhookReceiver> {
  if (!runtime.serve) throw new Error(`expected a runtime with serve, got ${runtime.name} without`);
  const requests: ReceivedRequest[] = [];
  let answer = responder;
  const server: HttpServer = await runtime.serve({
    hostname: "127.0.0.1",
    port,
    fetch: async (request) => {
      const url = new URL(request.url);
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => (headers[name] = value));
      const received: ReceivedRequest = { method: request.method, path: url.pathname + url.search, headers, body: await request.text(), at: Date.now() };
      requests.push(received);
      const result = await answer(received, requests.length - 1);
      return typeof result === "number" ? new Response(null, { status: result }) : result;
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port,
    requests,
    respond: (next) => void (answer = next),
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} requests within ${timeoutMs} ms, got ${requests.length}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return requests;
    },
    close: () => server.close(100),
  };
}

/** A raw TCP server whose every connection is handed to `onConnection` with the request head read. */
export interface RawServer {
  readonly url: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

/** Starts a raw TCP server on 127.0.0.1; `onConnection` gets the transport once a request head arrived. */
export async function startRawServer(runtime: Runtime, onConnection: (transport: Transport, head: string) => void | Promise<void>): Promise<RawServer> {
  const open = new Set<Transport>();
  let accepted = 0;
  const listener: Listener = await runtime.listen({ hostname: "127.0.0.1", port: 0 }, (transport) => {
    accepted++;
    open.add(transport);
    void transport.closed.then(() => open.delete(transport));
    void (async () => {
      const reader = transport.readable.getReader();
      let text = "";
      try {
        while (!text.includes("\r\n\r\n")) {
          const { value, done } = await reader.read();
          if (done) return;
          text += new TextDecoder().decode(value);
        }
      } catch {
        return;
      } finally {
        reader.releaseLock();
      }
      await onConnection(transport, text);
    })();
  });
  return {
    url: `http://127.0.0.1:${listener.port}`,
    port: listener.port,
    get accepted() {
      return accepted;
    },
    async close() {
      await listener.close();
      await Promise.all([...open].map((transport) => transport.close().catch(() => {})));
    },
  };
}

/** A port that was free a moment ago and has no listener now: connections to it are refused. */
export async function freePort(runtime: Runtime): Promise<number> {
  const listener = await runtime.listen({ hostname: "127.0.0.1", port: 0 }, (transport) => void transport.close());
  const { port } = listener;
  await listener.close();
  return port;
}
