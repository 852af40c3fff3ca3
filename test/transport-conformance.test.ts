/**
 * One conformance suite for every runtime's Transport: real loopback sockets through the current
 * runtime's adapter (both ends: `listen` and `connect`).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AmiError } from "../core/errors.ts";
import type { ConnectOptions, Listener, Runtime, Transport } from "../core/ports.ts";
import { fingerprint256, testCerts, type TestCerts } from "./support/certs.ts";
import { currentRuntime, runtimeName } from "./support/runtime.ts";
import { patternChecksum, receive, receiveText, roundTrip, sendPattern } from "./support/transport-bytes.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

let runtime: Runtime;
let certs: TestCerts;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  runtime = await currentRuntime();
  certs = await testCerts();
});

afterAll(async () => {
  await Promise.allSettled(cleanups.map((cleanup) => cleanup()));
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A listener whose accepted transports the test takes one by one. */
interface TestServer {
  listener: Listener;
  accepted(): Promise<Transport>;
}

async function startServer(
  options: { tls?: boolean; hostname?: string; onConnection?: (t: Transport) => void } = {},
): Promise<TestServer> {
  const waiting: Array<(t: Transport) => void> = [];
  const ready: Transport[] = [];
  const listener = await runtime.listen(
    {
      hostname: options.hostname ?? "127.0.0.1",
      port: 0,
      tls: options.tls ? { cert: certs.serverCert, key: certs.serverKey } : undefined,
    },
    (transport) => {
      cleanups.push(() => transport.close());
      options.onConnection?.(transport);
      const next = waiting.shift();
      if (next) next(transport);
      else ready.push(transport);
    },
  );
  cleanups.push(() => listener.close());
  return {
    listener,
    accepted: () => {
      const first = ready.shift();
      return first ? Promise.resolve(first) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

async function connect(options: ConnectOptions): Promise<Transport> {
  const transport = await runtime.connect(options);
  cleanups.push(() => transport.close());
  return transport;
}

/** Echoes everything back; ignores the error a torn-down connection gives. */
function echo(transport: Transport): void {
  transport.readable.pipeTo(transport.writable).catch(() => {});
}

/** Awaits a rejection and checks it is an AmiError with `code`. */
async function amiRejection(promise: Promise<unknown>, code: AmiError["code"]): Promise<AmiError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(AmiError);
  expect((caught as AmiError).code).toBe(code);
  return caught as AmiError;
}

/** Both directions at once, so neither side can only work while the other is idle. */
async function fullDuplex(client: Transport, server: Transport, size: number): Promise<void> {
  const [up, down] = await Promise.all([
    receive(server, size),
    receive(client, size),
    sendPattern(client, 1, size),
    sendPattern(server, 2, size),
  ]);
  expect(up.count).toBe(size);
  expect(up.checksum).toBe(patternChecksum(1, size));
  expect(down.count).toBe(size);
  expect(down.checksum).toBe(patternChecksum(2, size));
}

/**
 * `sender` writes 32 MiB while `receiver` reads nothing for half a second. Kernel buffers hold a
 * few MiB; an adapter that kept reading without a consumer (or resolved writes before the bytes
 * left) would have taken all of it by then. Once `receiver` reads, everything arrives.
 */
async function expectStallThenResume(sender: Transport, receiver: Transport): Promise<void> {
  const total = 32 * MiB;
  const chunk = new Uint8Array(64 * KiB);
  const writer = sender.writable.getWriter();
  let accepted = 0;
  let finished = false;
  const writing = (async () => {
    while (accepted < total) {
      await writer.write(chunk);
      accepted += chunk.length;
    }
    finished = true;
  })();
  await sleep(300);
  const stalledAt = accepted;
  await sleep(200);
  expect(finished).toBe(false);
  expect(stalledAt).toBeLessThan(total / 2);
  expect(accepted).toBe(stalledAt);
  const received = await receive(receiver, total);
  await writing;
  expect(received.count).toBe(total);
  expect(accepted).toBe(total);
}

describe(`transport conformance (${runtimeName})`, () => {
  test("echo round trip over TCP; listener reports its real port", async () => {
    const server = await startServer({ onConnection: echo });
    expect(server.listener.port).toBeGreaterThan(0);
    const client = await connect({ hostname: "127.0.0.1", port: server.listener.port });
    expect(client.tls).toBeUndefined();
    const message = "Action: Ping\r\nActionID: 1\r\n\r\n";
    expect(await roundTrip(client, message)).toBe(message);
  });

  test("8 MiB each way at once arrive whole and in order", async () => {
    const server = await startServer();
    const client = await connect({ hostname: "127.0.0.1", port: server.listener.port });
    await fullDuplex(client, await server.accepted(), 8 * MiB);
  });

  for (const secure of [false, true]) {
    for (const direction of ["client to server", "server to client"] as const) {
      const name = `${secure ? "TLS" : "TCP"}, ${direction}: an unread readable stalls the writer until it is read`;
      test(name, async () => {
        const server = await startServer({ tls: secure });
        const client = await connect({
          hostname: "127.0.0.1",
          port: server.listener.port,
          tls: secure ? { ca: [certs.caCert] } : undefined,
        });
        const peer = await server.accepted();
        const [sender, receiver] = direction === "client to server" ? [client, peer] : [peer, client];
        await expectStallThenResume(sender, receiver);
      });
    }
  }

  test("the peer closing ends the readable and settles closed on both sides", async () => {
    const server = await startServer();
    const client = await connect({ hostname: "127.0.0.1", port: server.listener.port });
    const peer = await server.accepted();
    const writer = peer.writable.getWriter();
    await writer.write(new TextEncoder().encode("Goodbye"));
    writer.releaseLock();
    await peer.close();
    expect(await receiveText(client, 100)).toBe("Goodbye");
    const reader = client.readable.getReader();
    expect((await reader.read()).done).toBe(true);
    await client.closed;
    await peer.closed;
  });

  test("close() is idempotent, ends the readable and refuses later writes", async () => {
    const server = await startServer();
    const client = await connect({ hostname: "127.0.0.1", port: server.listener.port });
    const peer = await server.accepted();
    await Promise.all([client.close(), client.close()]);
    await client.close();
    await client.closed;
    expect((await client.readable.getReader().read()).done).toBe(true);
    let writeFailed = false;
    await client.writable
      .getWriter()
      .write(new Uint8Array([1]))
      .catch(() => (writeFailed = true));
    expect(writeFailed).toBe(true);
    expect((await peer.readable.getReader().read()).done).toBe(true);
    await peer.closed;
  });

  test("a refused connection rejects with CONNECT_FAILED naming host:port", async () => {
    const server = await startServer();
    const port = server.listener.port;
    await server.listener.close();
    const error = await amiRejection(runtime.connect({ hostname: "127.0.0.1", port }), "CONNECT_FAILED");
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.cause).toBeDefined();
  });

  test("an already aborted signal rejects with ABORTED", async () => {
    const server = await startServer();
    const signal = AbortSignal.abort(new Error("caller gave up"));
    await amiRejection(runtime.connect({ hostname: "127.0.0.1", port: server.listener.port, signal }), "ABORTED");
  });

  test("aborting during a TLS handshake rejects with ABORTED and drops the socket", async () => {
    // A plain TCP server that never answers the ClientHello keeps the handshake pending.
    const server = await startServer();
    const controller = new AbortController();
    const attempt = runtime.connect({
      hostname: "127.0.0.1",
      port: server.listener.port,
      tls: { ca: [certs.caCert] },
      signal: controller.signal,
    });
    const peer = await server.accepted();
    await sleep(50);
    controller.abort();
    await amiRejection(attempt, "ABORTED");
    // The half-open socket was destroyed: the server sees the connection end.
    await peer.closed;
  });

  describe("TLS", () => {
    test("a certificate from the trusted CA verifies; tls info describes the peer", async () => {
      const server = await startServer({ tls: true, onConnection: echo });
      const client = await connect({
        hostname: "127.0.0.1",
        port: server.listener.port,
        tls: { ca: [certs.caCert] },
      });
      expect(await roundTrip(client, "Action: Login\r\n\r\n")).toBe("Action: Login\r\n\r\n");
      expect(client.tls?.subject).toBe("CN=pbx.test");
      expect(client.tls?.validTo?.getTime()).toBe(certs.serverValidTo.getTime());
      expect(client.tls?.fingerprint256).toBe(await fingerprint256(certs.serverCert));
    });

    test("a certificate from another CA is refused with CONNECT_FAILED", async () => {
      const server = await startServer({ tls: true, onConnection: echo });
      const port = server.listener.port;
      const error = await amiRejection(
        runtime.connect({ hostname: "127.0.0.1", port, tls: { ca: [certs.otherCaCert] } }),
        "CONNECT_FAILED",
      );
      expect(error.message).toContain(`127.0.0.1:${port} over TLS`);
      expect(error.message).toMatch(/certificate|issuer/i);
    });

    test("without serverName the dialled address is verified", async () => {
      // 127.0.0.2 is loopback on Linux but not in the certificate (DNS pbx.test, localhost; IP 127.0.0.1).
      const server = await startServer({ tls: true, hostname: "127.0.0.2", onConnection: echo });
      const error = await amiRejection(
        runtime.connect({ hostname: "127.0.0.2", port: server.listener.port, tls: { ca: [certs.caCert] } }),
        "CONNECT_FAILED",
      );
      expect(error.message).toContain("127.0.0.2");
    });

    test("serverName overrides the name verified", async () => {
      const server = await startServer({ tls: true, onConnection: echo });
      const port = server.listener.port;
      const client = await connect({
        hostname: "127.0.0.1",
        port,
        tls: { ca: [certs.caCert], serverName: "pbx.test" },
      });
      expect(await roundTrip(client, "ping")).toBe("ping");
      await amiRejection(
        runtime.connect({ hostname: "127.0.0.1", port, tls: { ca: [certs.caCert], serverName: "other.test" } }),
        "CONNECT_FAILED",
      );
    });

    test("insecure skips verification; without it the same server is refused", async () => {
      const server = await startServer({ tls: true, onConnection: echo });
      const port = server.listener.port;
      await amiRejection(runtime.connect({ hostname: "127.0.0.1", port, tls: {} }), "CONNECT_FAILED");
      const client = await connect({ hostname: "127.0.0.1", port, tls: { insecure: true } });
      expect(await roundTrip(client, "ping")).toBe("ping");
      expect(client.tls?.fingerprint256).toBe(await fingerprint256(certs.serverCert));
    });

    test("TLS listen and connect carry 1 MiB each way", async () => {
      const server = await startServer({ tls: true });
      const client = await connect({
        hostname: "127.0.0.1",
        port: server.listener.port,
        tls: { ca: [certs.caCert], serverName: "localhost" },
      });
      await fullDuplex(client, await server.accepted(), MiB);
      await client.close();
      await client.closed;
    });
  });
});
