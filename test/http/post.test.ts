/**
 * The outgoing HTTP/1.1 client against real servers on loopback: what it sends, bounded bodies,
 * deadlines, redirects left alone, and the address guard applied after DNS.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { HttpClientError } from "../../core/http/errors.ts";
import { httpPost, type HttpPostOptions } from "../../core/http/post.ts";
import { addressRefusal } from "../../core/net/address-guard.ts";
import type { Runtime, Transport } from "../../core/ports.ts";
import { testCerts } from "../support/certs.ts";
import { currentRuntime } from "../support/runtime.ts";
import { freePort, startRawServer, startReceiver } from "../support/webhook-receiver.ts";

const encoder = new TextEncoder();
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function post(runtime: Runtime, url: string, extra: Partial<HttpPostOptions> = {}) {
  return httpPost({ connect: runtime.connect, resolve: runtime.resolve, url: new URL(url), headers: { "content-type": "application/json" }, body: encoder.encode('{"a":1}'), timeoutMs: 5000, ...extra });
}

async function failure(promise: Promise<unknown>): Promise<HttpClientError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(HttpClientError);
  return error as HttpClientError;
}

async function write(transport: Transport, text: string | Uint8Array): Promise<void> {
  const writer = transport.writable.getWriter();
  try {
    await writer.write(typeof text === "string" ? encoder.encode(text) : text);
  } finally {
    writer.releaseLock();
  }
}

describe("httpPost", () => {
  test("sends the body with Host and Content-Length, and returns status, headers and body", async () => {
    const runtime = await currentRuntime();
    const receiver = await startReceiver(runtime, () => new Response("thanks", { status: 202, headers: { "x-seen": "yes" } }));
    closers.push(receiver.close);
    const result = await post(runtime, `${receiver.url}/hook?x=1`, { headers: { "content-type": "application/json", "webhook-id": "msg_1" } });
    expect(result.status).toBe(202);
    expect(result.headers.get("x-seen")).toBe("yes");
    expect(new TextDecoder().decode(result.body)).toBe("thanks");
    expect(result.truncated).toBe(false);
    expect(result.address).toBe("127.0.0.1");
    const [request] = receiver.requests;
    expect(request).toMatchObject({ method: "POST", path: "/hook?x=1", body: '{"a":1}' });
    expect(request!.headers).toMatchObject({ host: `127.0.0.1:${receiver.port}`, "content-length": "7", "webhook-id": "msg_1", "content-type": "application/json" });
  });

  test("a redirect is returned as it came, never followed", async () => {
    const runtime = await currentRuntime();
    const target = await startReceiver(runtime);
    const receiver = await startReceiver(runtime, () => new Response(null, { status: 307, headers: { location: `${target.url}/elsewhere` } }));
    closers.push(receiver.close, target.close);
    const result = await post(runtime, receiver.url);
    expect(result.status).toBe(307);
    expect(result.headers.get("location")).toBe(`${target.url}/elsewhere`);
    expect(target.requests).toHaveLength(0);
  });

  test("a 50 MB answer is read only up to maxBodyBytes, and the rest is never taken", async () => {
    const runtime = await currentRuntime();
    const total = 50 * 1024 * 1024;
    let written = 0;
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const server = await startRawServer(runtime, async (transport) => {
      await write(transport, `HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`);
      const chunk = new Uint8Array(256 * 1024).fill(0x61);
      try {
        while (written < total) {
          await write(transport, chunk);
          written += chunk.byteLength;
        }
      } catch {
        // the client closed: what this test wants
      }
      finished();
    });
    closers.push(server.close);
    const result = await post(runtime, server.url, { maxBodyBytes: 65_536 });
    expect(result.status).toBe(200);
    expect(result.body.byteLength).toBe(65_536);
    expect(result.truncated).toBe(true);
    await done;
    expect(written).toBeLessThan(total);
  });

  test("a chunked body is decoded, after an interim 100 Continue", async () => {
    const runtime = await currentRuntime();
    const server = await startRawServer(runtime, async (transport) => {
      await write(transport, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
    });
    closers.push(server.close);
    const result = await post(runtime, server.url);
    expect(result.status).toBe(200);
    expect(new TextDecoder().decode(result.body)).toBe("hello world");
    expect(result.truncated).toBe(false);
  });

  test("a server that never answers times out", async () => {
    const runtime = await currentRuntime();
    const server = await startRawServer(runtime, () => {});
    closers.push(server.close);
    const error = await failure(post(runtime, server.url, { timeoutMs: 300 }));
    expect(error.code).toBe("HTTP_TIMEOUT");
    expect(error.message).toBe(`expected a response from 127.0.0.1:${server.port} within 300 ms, got none`);
  });

  test("a refused connection, a silent close and an unknown name each have their code", async () => {
    const runtime = await currentRuntime();
    const port = await freePort(runtime);
    expect((await failure(post(runtime, `http://127.0.0.1:${port}/`))).code).toBe("HTTP_CONNECT_FAILED");
    const server = await startRawServer(runtime, (transport) => void transport.close());
    closers.push(server.close);
    const closed = await failure(post(runtime, server.url));
    expect(closed.code).toBe("HTTP_BAD_RESPONSE");
    expect((await failure(post(runtime, "http://no-such-host.invalid/"))).code).toBe("HTTP_DNS_FAILED");
  });

  test("the guard judges the resolved address: localhost is refused as loopback, before any connection", async () => {
    const runtime = await currentRuntime();
    const server = await startRawServer(runtime, async (transport) => write(transport, "HTTP/1.1 204 No Content\r\n\r\n"));
    closers.push(server.close);
    const checkAddress = (address: string) => addressRefusal(address);
    const byName = await failure(post(runtime, `http://localhost:${server.port}/`, { checkAddress }));
    expect(byName.code).toBe("HTTP_ADDRESS_REFUSED");
    expect(byName.message).toMatch(/^localhost resolves to [0-9a-f.:, ]+; (127\.0\.0\.1|::1) is a loopback address, refused unless allowed/);
    const literal = await failure(post(runtime, `http://127.0.0.1:${server.port}/`, { checkAddress }));
    expect(literal.message).toStartWith("127.0.0.1 is a loopback address");
    expect((await failure(post(runtime, "http://169.254.169.254/latest/meta-data/", { checkAddress }))).message).toContain("metadata");
    expect((await failure(post(runtime, "http://[::ffff:10.0.0.1]/", { checkAddress }))).message).toContain("10.0.0.1 is a private address");
    expect(server.accepted).toBe(0);
    // Allowed, the same name connects to the address it resolved to.
    const allowed = await post(runtime, `http://localhost:${server.port}/`, { checkAddress: (address) => addressRefusal(address, { allowPrivateNetworks: true }) });
    expect(allowed.status).toBe(204);
  });

  test("https: connects to the resolved IP, verifies the certificate for the URL's name and sends it as Host", async () => {
    const runtime = await currentRuntime();
    const certs = await testCerts();
    const heads: string[] = [];
    const open = new Set<Transport>();
    const listener = await runtime.listen({ hostname: "127.0.0.1", port: 0, tls: { cert: certs.serverCert, key: certs.serverKey } }, (transport) => {
      open.add(transport);
      void (async () => {
        const reader = transport.readable.getReader();
        let text = "";
        while (!text.includes("\r\n\r\n")) {
          const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
          if (done || !value) return;
          text += new TextDecoder().decode(value);
        }
        reader.releaseLock();
        heads.push(text);
        await write(transport, "HTTP/1.1 204 No Content\r\n\r\n").catch(() => {});
      })();
    });
    closers.push(async () => {
      await listener.close();
      for (const transport of open) await transport.close().catch(() => {});
    });
    const allowLoopback = (address: string) => addressRefusal(address, { allowPrivateNetworks: true });
    const result = await post(runtime, `https://localhost:${listener.port}/tls`, { ca: [certs.caCert], checkAddress: allowLoopback });
    expect(result.status).toBe(204);
    expect(heads[0]).toContain(`Host: localhost:${listener.port}\r\n`);
    const untrusted = await failure(post(runtime, `https://localhost:${listener.port}/tls`, { ca: [certs.otherCaCert], checkAddress: allowLoopback }));
    expect(untrusted.code).toBe("HTTP_CONNECT_FAILED");
    expect(heads).toHaveLength(1);
  });
});
