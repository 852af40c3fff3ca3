/**
 * Keep-alive in the outgoing HTTP client (core/http/connection-pool.ts), against a raw HTTP/1.1
 * server on loopback that counts connections and requests: a connection is reused only after a
 * complete response, a new one resolves the name and passes the address guard again, a kept one
 * the server closed is noticed (idle) or retried once (in the request), and nothing is kept past
 * `maxIdle` or a close.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { HttpConnectionPool } from "../../core/http/connection-pool.ts";
import { httpPost } from "../../core/http/post.ts";
import type { Runtime, Transport } from "../../core/ports.ts";
import { currentRuntime } from "../support/runtime.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** What the server does with request `n` (0-based, across connections) on connection `c`: an answer to write, or "close" without one. */
type Answer = (request: { n: number; connection: number; onConnection: number; head: string }) => string | "close";

/** A raw HTTP/1.1 server: reads request heads and Content-Length bodies one after another on each connection. */
async function keepAliveServer(runtime: Runtime, answer: Answer) {
  const transports = new Set<Transport>();
  const stats = { connections: 0, requests: 0 };
  const listener = await runtime.listen({ hostname: "127.0.0.1", port: 0 }, (transport) => {
    const connection = stats.connections++;
    transports.add(transport);
    void (async () => {
      const reader = transport.readable.getReader();
      const writer = transport.writable.getWriter();
      let buffered = "";
      let onConnection = 0;
      try {
        for (;;) {
          let end = buffered.indexOf("\r\n\r\n");
          while (end < 0) {
            const { value, done } = await reader.read();
            if (done) return;
            buffered += decoder.decode(value);
            end = buffered.indexOf("\r\n\r\n");
          }
          const head = buffered.slice(0, end);
          const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
          while (buffered.length < end + 4 + length) {
            const { value, done } = await reader.read();
            if (done) return;
            buffered += decoder.decode(value);
          }
          buffered = buffered.slice(end + 4 + length);
          const reply = answer({ n: stats.requests++, connection, onConnection: onConnection++, head });
          if (reply === "close") {
            await transport.close();
            return;
          }
          await writer.write(encoder.encode(reply));
        }
      } catch {
        // The client went away.
      } finally {
        transports.delete(transport);
      }
    })();
  });
  closers.push(async () => {
    await listener.close();
    await Promise.all([...transports].map((t) => t.close().catch(() => {})));
  });
  return { port: listener.port, stats };
}

const NO_CONTENT = "HTTP/1.1 204 No Content\r\n\r\n";

function post(runtime: Runtime, url: string, pool: HttpConnectionPool, extra: Partial<Parameters<typeof httpPost>[0]> = {}) {
  return httpPost({ connect: runtime.connect, resolve: runtime.resolve, url: new URL(url), headers: { "content-type": "application/json" }, body: encoder.encode('{"a":1}'), timeoutMs: 5000, pool, ...extra });
}

const waitFor = async (check: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("expected a condition within 5 s");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe("keep-alive connections", () => {
  test("requests after a complete response reuse one connection, which is not told to close; without a pool each request closes its own", async () => {
    const runtime = await currentRuntime();
    const heads: string[] = [];
    const server = await keepAliveServer(runtime, ({ head }) => {
      heads.push(head);
      return heads.length % 2 === 0 ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" : "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";
    });
    const pool = new HttpConnectionPool({ maxIdle: 1 });
    for (let i = 0; i < 4; i++) {
      const result = await post(runtime, `http://127.0.0.1:${server.port}/hook`, pool);
      expect([result.status, decoder.decode(result.body)]).toEqual([200, "ok"]);
    }
    expect(server.stats).toEqual({ connections: 1, requests: 4 });
    expect(heads.some((head) => /^connection:/im.test(head))).toBe(false);
    pool.close();
    // Without a pool: Connection: close, and a connection per request.
    await httpPost({ connect: runtime.connect, url: new URL(`http://127.0.0.1:${server.port}/`), headers: {}, body: encoder.encode("{}"), timeoutMs: 5000 });
    expect(heads.at(-1)).toMatch(/^connection: close$/im);
    expect(server.stats.connections).toBe(2);
  });

  test("only a new connection resolves the name and asks the guard again: a kept one goes to the address that was accepted", async () => {
    const runtime = await currentRuntime();
    const server = await keepAliveServer(runtime, ({ onConnection }) => (onConnection === 1 ? "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n" : NO_CONTENT));
    const lookups: string[] = [];
    const checked: string[] = [];
    const pool = new HttpConnectionPool();
    const options = {
      resolve: async (name: string) => (lookups.push(name), ["127.0.0.1"]),
      checkAddress: (address: string) => (checked.push(address), undefined),
    };
    await post(runtime, `http://receiver.test:${server.port}/`, pool, options);
    await post(runtime, `http://receiver.test:${server.port}/`, pool, options);
    expect({ lookups: lookups.length, checked: checked.length, connections: server.stats.connections }).toEqual({ lookups: 1, checked: 1, connections: 1 });
    // The server said Connection: close on the second answer: the third request makes a new connection, looked up and checked again.
    await post(runtime, `http://receiver.test:${server.port}/`, pool, options);
    expect({ lookups: lookups.length, checked: checked.length, connections: server.stats.connections }).toEqual({ lookups: 2, checked: 2, connections: 2 });
    // A guard that now refuses the address stops the next new connection; the kept one was closed with the pool.
    pool.close();
    const refused = await post(runtime, `http://receiver.test:${server.port}/`, pool, { ...options, checkAddress: () => "loopback refused" }).catch((error: Error & { code?: string }) => error.code);
    expect(refused).toBe("HTTP_ADDRESS_REFUSED");
    expect(server.stats.connections).toBe(2);
  });

  test("an idle connection the server closes leaves the pool; one that closes as the next request arrives is retried once on a new connection", async () => {
    const runtime = await currentRuntime();
    let closeNext = false;
    const server = await keepAliveServer(runtime, ({ onConnection }) => {
      if (closeNext && onConnection > 0) {
        closeNext = false;
        return "close";
      }
      return NO_CONTENT;
    });
    const pool = new HttpConnectionPool();
    await post(runtime, `http://127.0.0.1:${server.port}/`, pool);
    expect(pool.size).toBe(1);
    // The server closes the kept connection without answering the next request: the client tries once more, on a new one.
    closeNext = true;
    expect((await post(runtime, `http://127.0.0.1:${server.port}/`, pool)).status).toBe(204);
    expect(server.stats).toEqual({ connections: 2, requests: 3 });
    pool.close();
  });

  test("a server closing an idle connection takes it out of the pool before anyone reuses it", async () => {
    const runtime = await currentRuntime();
    const server = await keepAliveServer(runtime, () => NO_CONTENT);
    const pool = new HttpConnectionPool();
    const listener = await runtime.listen({ hostname: "127.0.0.1", port: 0 }, (transport) => {
      void (async () => {
        const reader = transport.readable.getReader();
        await reader.read();
        await transport.writable.getWriter().write(encoder.encode(NO_CONTENT));
        // Answered, then gone a moment later, as a server's keep-alive timeout does.
        setTimeout(() => void transport.close(), 20);
      })();
    });
    closers.push(() => listener.close());
    await post(runtime, `http://127.0.0.1:${listener.port}/`, pool);
    await waitFor(() => pool.size === 0);
    await post(runtime, `http://127.0.0.1:${server.port}/`, pool);
    expect(pool.size).toBe(1);
    pool.close();
    expect(pool.size).toBe(0);
  });

  test("nothing is kept after a response that is not read whole, or past maxIdle", async () => {
    const runtime = await currentRuntime();
    const server = await keepAliveServer(runtime, ({ n }) => (n === 0 ? `HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n${"x".repeat(100)}` : NO_CONTENT));
    const pool = new HttpConnectionPool({ maxIdle: 1 });
    const truncated = await post(runtime, `http://127.0.0.1:${server.port}/`, pool, { maxBodyBytes: 10 });
    expect(truncated.truncated).toBe(true);
    expect(pool.size).toBe(0);
    const both = await Promise.all([post(runtime, `http://127.0.0.1:${server.port}/`, pool), post(runtime, `http://127.0.0.1:${server.port}/`, pool)]);
    expect(both.map((r) => r.status)).toEqual([204, 204]);
    expect(pool.size).toBe(1);
    pool.close();
  });
});
