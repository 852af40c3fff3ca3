/**
 * The `Serve` port's WebSockets, peer addresses and shutdown on the current runtime, against real
 * loopback clients.
 */
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { RequestInfo, Runtime, ServerWebSocket, WebSocketHandlers } from "../core/ports.ts";
import { currentRuntime, runtimeName } from "./support/runtime.ts";
import { openWebSocket, rawWebSocket } from "./support/websocket-client.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

let runtime: Runtime;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  runtime = await currentRuntime();
});

afterEach(async () => {
  await Promise.allSettled(cleanups.splice(0).map((cleanup) => cleanup()));
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds or `ms` pass; returns whether it held. */
async function eventually(check: () => boolean, ms = 2000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

/** What the server side of a test saw. */
interface Seen {
  sockets: ServerWebSocket[];
  messages: Array<string | Uint8Array>;
  closes: Array<{ code: number; reason: string }>;
  infos: RequestInfo[];
  /** What send or close threw inside a close handler (the adapter would only log it). */
  thrown: unknown[];
}

/**
 * A server whose `/ws` upgrades with echoing handlers (or answers 426 to a plain request), whose
 * `/ws-rewrapped` upgrades but returns another response, whose `/refuse` declines upgrades with a
 * 403, and whose `/whoami` returns the peer address.
 */
async function startServer(extra?: (request: Request) => Response | undefined | Promise<Response | undefined>) {
  const seen: Seen = { sockets: [], messages: [], closes: [], infos: [], thrown: [] };
  const handlers: WebSocketHandlers = {
    open: (socket) => seen.sockets.push(socket),
    message: (socket, data) => {
      seen.messages.push(data);
      socket.send(`echo:${typeof data === "string" ? data : `${data.byteLength} bytes`}`);
    },
    close: (socket, code, reason) => {
      seen.closes.push({ code, reason });
      // Neither may throw once the socket is gone.
      try {
        socket.send("too late");
        socket.close();
      } catch (error) {
        seen.thrown.push(error);
      }
    },
  };
  const server = await runtime.serve!({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (request, info) => {
      seen.infos.push(info);
      const path = new URL(request.url).pathname;
      if (path === "/ws") {
        if (!info.upgradeWebSocket) return new Response("WebSocket only\n", { status: 426 });
        // Upgrading after an await must work too (real handlers check things first).
        await sleep(1);
        return info.upgradeWebSocket(handlers);
      }
      if (path === "/ws-rewrapped" && info.upgradeWebSocket) {
        // Middleware may hand back another response than the one upgradeWebSocket gave.
        const accepted = info.upgradeWebSocket(handlers);
        return new Response(accepted.body, { headers: { "x-extra": "1" } });
      }
      if (path === "/refuse") return new Response("go away\n", { status: 403, headers: { "x-why": "test" } });
      if (path === "/whoami") return new Response(info.remoteAddress ?? "unknown");
      return (await extra?.(request)) ?? new Response("not found\n", { status: 404 });
    },
  });
  cleanups.push(() => server.close(100));
  return { server, seen, base: `127.0.0.1:${server.port}` };
}

/** A keep-alive GET over a raw connection, which stays open after its response. */
async function rawRequest(port: number, path: string, headers = "") {
  const transport = await runtime.connect({ hostname: "127.0.0.1", port });
  const writer = transport.writable.getWriter();
  await writer.write(new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers}\r\n`));
  writer.releaseLock();
  /** Reads while `more` says so (or until the connection ends); returns all that was read. */
  const readWhile = async (more: (text: string) => boolean): Promise<string> => {
    const reader = transport.readable.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (more(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    reader.releaseLock();
    return text;
  };
  return {
    transport,
    /** Reads until the text ends with `body`. */
    responseEnding: (body: string) => readWhile((text) => !text.endsWith(body)),
    /** Reads at least the status line and headers. */
    responseHead: () => readWhile((text) => !text.includes("\r\n\r\n")),
  };
}

describe(`serve: WebSockets and shutdown (${runtimeName})`, () => {
  test("a WebSocket echoes text frames in order", async () => {
    const { base, seen } = await startServer();
    const client = await openWebSocket(`ws://${base}/ws`);
    client.socket.send("one");
    client.socket.send("two");
    expect(await client.nextMessage()).toBe("echo:one");
    expect(await client.nextMessage()).toBe("echo:two");
    expect(seen.messages).toEqual(["one", "two"]);
    expect(seen.infos[0]!.upgradeWebSocket).toBeDefined();
    client.socket.close();
    await client.closed;
  });

  test("the close handler fires once, with the code and reason, when the client closes", async () => {
    const { base, seen } = await startServer();
    const client = await openWebSocket(`ws://${base}/ws`);
    client.socket.close(4000, "bye");
    expect((await client.closed).code).toBe(4000);
    expect(await eventually(() => seen.closes.length > 0)).toBe(true);
    await sleep(100);
    expect(seen.closes).toEqual([{ code: 4000, reason: "bye" }]);
    expect(seen.thrown).toEqual([]);
  });

  test("the close handler fires once when the client's TCP connection just drops", async () => {
    const { server, seen } = await startServer();
    const raw = await rawWebSocket(runtime, server.port, "/ws");
    expect(raw.response).toStartWith("HTTP/1.1 101");
    expect(await eventually(() => seen.sockets.length === 1)).toBe(true);
    await raw.transport.close();
    expect(await eventually(() => seen.closes.length > 0)).toBe(true);
    await sleep(100);
    expect(seen.closes.length).toBe(1);
    expect(seen.thrown).toEqual([]);
    // And a socket whose peer is gone takes sends and closes without throwing.
    seen.sockets[0]!.send("nobody listens");
    seen.sockets[0]!.close(1000);
  });

  test("a plain request to a WebSocket route gets the handler's normal response", async () => {
    const { base, seen } = await startServer();
    const response = await fetch(`http://${base}/ws`);
    expect(response.status).toBe(426);
    expect(await response.text()).toBe("WebSocket only\n");
    expect(seen.infos[0]!.upgradeWebSocket).toBeUndefined();
  });

  test("an upgrade request the handler declines gets the handler's own response", async () => {
    const { server } = await startServer();
    const raw = await rawWebSocket(runtime, server.port, "/refuse");
    let text = raw.response;
    const decoder = new TextDecoder();
    // A runtime may keep the connection open after a complete response; the body is enough.
    while (!text.endsWith("go away\n")) {
      const { value, done } = await raw.reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toStartWith("HTTP/1.1 403");
    expect(text.toLowerCase()).toContain("x-why: test");
    expect(text).toEndWith("\r\n\r\ngo away\n");
    await raw.transport.close();
  });

  test("accepting commits the upgrade, whatever response the handler returns after it", async () => {
    const { base } = await startServer();
    const client = await openWebSocket(`ws://${base}/ws-rewrapped`);
    client.socket.send("still here");
    expect(await client.nextMessage()).toBe("echo:still here");
    client.socket.close();
    await client.closed;
  });

  test("a broken handshake the handler tries to accept gets a 400", async () => {
    const { server, seen } = await startServer();
    const raw = await rawRequest(server.port, "/ws", "Upgrade: websocket\r\nConnection: Upgrade\r\n");
    expect(await raw.responseHead()).toStartWith("HTTP/1.1 400");
    expect(seen.sockets.length).toBe(0);
    await raw.transport.close();
  });

  test("remoteAddress is the peer's IP, on plain and upgrade requests", async () => {
    const { base, seen } = await startServer();
    expect(await (await fetch(`http://${base}/whoami`)).text()).toBe("127.0.0.1");
    const client = await openWebSocket(`ws://${base}/ws`);
    expect(seen.infos.at(-1)!.remoteAddress).toBe("127.0.0.1");
    client.socket.close();
    await client.closed;
  });

  test("bufferedAmount grows while the client does not read, and drains once it reads", async () => {
    const { server, seen } = await startServer();
    const raw = await rawWebSocket(runtime, server.port, "/ws");
    expect(await eventually(() => seen.sockets.length === 1)).toBe(true);
    const socket = seen.sockets[0]!;
    const frame = "x".repeat(64 * KiB);
    let sent = 0;
    // Kernel buffers on loopback hold several MiB; past them the bytes must wait in the server.
    while (sent < 64 * MiB) {
      for (let i = 0; i < 16; i++) socket.send(frame);
      sent += 16 * frame.length;
      await sleep(20);
      if (socket.bufferedAmount > 2 * MiB) break;
    }
    await sleep(100);
    const stalled = socket.bufferedAmount;
    expect(stalled).toBeGreaterThan(2 * MiB);
    // Reading again lets the server hand the queue to the OS.
    let received = 0;
    const draining = (async () => {
      for (;;) {
        const { value, done } = await raw.reader.read();
        if (done) return;
        received += value.byteLength;
      }
    })();
    expect(await eventually(() => socket.bufferedAmount === 0, 10_000)).toBe(true);
    expect(received).toBeGreaterThan(stalled);
    await raw.transport.close();
    await draining.catch(() => {});
  }, 20_000);

  test("close(graceMs) lets in-flight requests finish, then cuts an endless stream and a WebSocket", async () => {
    let cancelled = false;
    const { server, base, seen } = await startServer(async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/slow") {
        await sleep(100);
        return new Response("done");
      }
      if (path !== "/events") return undefined;
      const encoder = new TextEncoder();
      return new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(encoder.encode("data: hello\n\n"));
          },
          cancel() {
            cancelled = true;
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    });
    const events = await fetch(`http://${base}/events`);
    const reader = events.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: hello\n\n");
    const client = await openWebSocket(`ws://${base}/ws`);
    const slow = fetch(`http://${base}/slow`);
    await sleep(20);

    const started = Date.now();
    const closing = server.close(200);
    // New connections are refused at once, while the grace period runs.
    await sleep(50);
    let refused = false;
    await fetch(`http://${base}/whoami`).then((response) => response.text(), () => (refused = true));
    expect(refused).toBe(true);
    expect(await (await slow).text()).toBe("done");
    await closing;
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(2000);

    // Both peers see the end: the stream stops (cleanly or not), the WebSocket closes.
    const end = await Promise.race([
      reader.read().then(({ done }) => (done ? "ended" : "more data"), () => "failed"),
      sleep(2000).then(() => "still open"),
    ]);
    expect(["ended", "failed"]).toContain(end);
    const closed = await Promise.race([client.closed.then(() => "closed"), sleep(2000).then(() => "still open")]);
    expect(closed).toBe("closed");
    // The server's close handler has run by the time close() resolves; the stream's source is told.
    expect(seen.closes.length).toBe(1);
    expect(await eventually(() => cancelled)).toBe(true);
  });

  test("close(graceMs) also cuts a WebSocket whose peer neither reads nor answers", async () => {
    const { server, seen } = await startServer();
    const raw = await rawWebSocket(runtime, server.port, "/ws");
    expect(await eventually(() => seen.sockets.length === 1)).toBe(true);
    // Fill every buffer on the way, so not even a close frame can get through.
    const frame = "y".repeat(64 * KiB);
    for (let i = 0; i < 256 && seen.sockets[0]!.bufferedAmount < 2 * MiB; i++) {
      for (let j = 0; j < 16; j++) seen.sockets[0]!.send(frame);
      await sleep(5);
    }
    const started = Date.now();
    await server.close(200);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(seen.closes.length).toBe(1);
    await raw.transport.close();
  }, 10_000);

  test("close() waits for in-flight requests, not out the grace period for idle keep-alive connections", async () => {
    const { server } = await startServer(async (request) => {
      if (new URL(request.url).pathname !== "/slow") return undefined;
      await sleep(200);
      return new Response("done");
    });
    const idle = await rawRequest(server.port, "/whoami");
    expect(await idle.responseEnding("127.0.0.1")).toStartWith("HTTP/1.1 200");
    const busy = await rawRequest(server.port, "/slow");
    await sleep(50);
    const started = Date.now();
    await server.close(5000);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await busy.responseEnding("done")).toStartWith("HTTP/1.1 200");
    await Promise.all([idle.transport.close(), busy.transport.close()]);
  });

  test("complete bodies keep their Content-Length", async () => {
    const { base } = await startServer();
    const response = await fetch(`http://${base}/whoami`);
    expect(response.headers.get("content-length")).toBe("9");
    expect(await response.text()).toBe("127.0.0.1");
  });
});
