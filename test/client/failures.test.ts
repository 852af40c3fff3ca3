import { afterEach, describe, expect, test } from "bun:test";
import type { AmiClientOptions, StateChange } from "../../core/client/client.ts";
import { exponentialBackoff } from "../../core/client/backoff.ts";
import type { AmiError } from "../../core/errors.ts";
import { currentRuntime } from "../support/runtime.ts";
import { scriptedServer, type ScriptedPeer } from "../support/scripted-server.ts";
import { testClient, until } from "./helpers.ts";

const runtime = await currentRuntime();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function start(script: (peer: ScriptedPeer, index: number) => Promise<void>, options: Partial<AmiClientOptions> = {}) {
  const server = await scriptedServer(runtime, script);
  const client = testClient(runtime, server.port, options);
  const states: StateChange[] = [];
  const errors: AmiError[] = [];
  client.on("state", (s) => states.push(s));
  client.on("error", (e) => errors.push(e));
  cleanups.push(async () => {
    await client.close({ logoff: false });
    await server.close();
  });
  return { server, client, states, errors };
}

const fastRetry = () => 10;

describe("a server that misbehaves before login", () => {
  test("a banner that never comes gives BANNER_TIMEOUT", async () => {
    const { client } = await start(async () => {}, { connectTimeoutMs: 150 });
    const error = await client.connect().catch((e) => e);
    expect(error.code).toBe("BANNER_TIMEOUT");
    expect(error.message).toContain("150 ms");
    expect(client.state).toBe("closed");
  });

  test("a server that speaks another protocol gives BANNER_INVALID and is not retried", async () => {
    const { client, server } = await start(async (peer) => {
      await peer.write("SSH-2.0-OpenSSH_9.6\r\n");
    }, { reconnect: exponentialBackoff({ initialMs: 10 }) });
    const error = await client.connect().catch((e) => e);
    expect(error.code).toBe("BANNER_INVALID");
    expect(error.message).toContain("SSH-2.0");
    expect(server.peers.length).toBe(1);
  });

  test("a wrong secret gives AUTH_FAILED once, without the secret in the message, and no tight retry loop", async () => {
    const { client, server } = await start(async (peer) => {
      await peer.write("Asterisk Call Manager/11.0.0\r\n");
      const login = await peer.next();
      await peer.reply(login!, [["Message", "Authentication failed"]], "Error");
      await peer.close();
    }, { secret: "s3cr3t-value", reconnect: exponentialBackoff({ initialMs: 10 }) });
    const error = await client.connect().catch((e) => e);
    expect(error.code).toBe("AUTH_FAILED");
    expect(error.message).toContain('"hello"');
    expect(error.message).toContain("Authentication failed");
    expect(error.message).not.toContain("s3cr3t-value");
    await new Promise((r) => setTimeout(r, 100));
    expect(server.peers.length).toBe(1);
    expect(client.state).toBe("closed");
  });

  test("a custom strategy that retries a refused login is held to the minimum delay", async () => {
    const { client, server, states } = await start(async (peer) => {
      await peer.write("Asterisk Call Manager/11.0.0\r\n");
      const login = await peer.next();
      await peer.reply(login!, [["Message", "Authentication failed"]], "Error");
      await peer.close();
    }, { reconnect: fastRetry, fatalRetryMinMs: 400 });
    void client.connect().catch(() => {});
    await until(() => states.some((s) => s.state === "reconnecting"), 2000, "the first failure");
    await new Promise((r) => setTimeout(r, 200));
    expect(server.peers.length).toBe(1);
    await until(() => server.peers.length === 2, 2000, "the delayed retry");
  });

  test("a server that hangs up during login: CONNECTION_LOST, then a retry that succeeds", async () => {
    const { client, states } = await start(async (peer, index) => {
      if (index === 0) {
        await peer.write("Asterisk Call Manager/11.0.0\r\n");
        await peer.next();
        await peer.close();
        return;
      }
      await peer.greetAndLogin();
    }, { reconnect: fastRetry });
    await client.connect();
    expect(states.find((s) => s.state === "reconnecting")?.cause?.code).toBe("CONNECTION_LOST");
    expect(client.state).toBe("ready");
  });

  test("connection refused gives CONNECT_FAILED naming host and port", async () => {
    const server = await scriptedServer(runtime, async () => {});
    const port = server.port;
    await server.close();
    const client = testClient(runtime, port);
    const error = await client.connect().catch((e) => e);
    expect(error.code).toBe("CONNECT_FAILED");
    expect(error.message).toContain(`127.0.0.1:${port}`);
  });

  test("actions sent before login wait for it and then go out", async () => {
    const { client } = await start(async (peer) => {
      await new Promise((r) => setTimeout(r, 50));
      await peer.greetAndLogin();
      const ping = (await peer.next())!;
      await peer.reply(ping, [["Ping", "Pong"]]);
    });
    const early = client.send({ Action: "Ping" });
    await client.connect();
    expect((await early).response.get("Ping")).toBe("Pong");
  });
});

describe("a connection that fails after login", () => {
  test("a drop rejects in-flight actions with CONNECTION_LOST, never re-sends them, reconnects and reports the gap", async () => {
    const actionsPerConnection: string[][] = [[], []];
    const { client, states } = await start(async (peer, index) => {
      await peer.greetAndLogin();
      for (;;) {
        const action = await peer.next();
        if (!action) return;
        actionsPerConnection[index]!.push(action.name);
        if (index === 0) {
          await peer.send([["Event", "Newchannel"], ["Channel", "PJSIP/a-1"]]);
          await peer.close();
          return;
        }
        await peer.reply(action, [["Ping", "Pong"]]);
      }
    }, { reconnect: fastRetry });
    const gaps: number[] = [];
    client.on("gap", (g) => gaps.push(g.lastSeq));
    await client.connect();
    const error = await client.send({ Action: "Originate", Channel: "PJSIP/a", Exten: "1", Context: "default", Priority: "1", Async: "true" }).catch((e) => e);
    expect(error.code).toBe("CONNECTION_LOST");
    expect(error.message).toContain("not re-sent");
    await until(() => client.state === "ready" && gaps.length === 1, 2000, "reconnect");
    const pong = await client.send({ Action: "Ping" });
    expect(pong.ok).toBe(true);
    expect(actionsPerConnection).toEqual([["Originate"], ["Ping"]]);
    expect(gaps).toEqual([1]);
    expect(client.stats.reconnects).toBe(1);
    expect(states.map((s) => s.state)).toEqual(["connecting", "authenticating", "ready", "reconnecting", "connecting", "authenticating", "ready"]);
    expect(states[3]!.cause?.code).toBe("CONNECTION_LOST");
  });

  test("a server that closes mid-message: TRUNCATED is reported and the client reconnects", async () => {
    const { client, errors } = await start(async (peer, index) => {
      await peer.greetAndLogin();
      if (index === 0) {
        await peer.write("Event: Newchannel\r\nChannel: PJSIP/al");
        await peer.close();
      }
    }, { reconnect: fastRetry });
    await client.connect();
    await until(() => client.stats.reconnects === 1 && client.state === "ready", 2000, "reconnect");
    expect(errors.map((e) => e.code)).toContain("TRUNCATED");
  });

  test("a server that stops answering is detected by the keepalive and reconnected", async () => {
    const { client, states } = await start(async (peer, index) => {
      await peer.greetAndLogin();
      for (;;) {
        const action = await peer.next();
        if (!action) return;
        if (index > 0) await peer.reply(action, [["Ping", "Pong"]]);
      }
    }, { reconnect: fastRetry, keepalive: { intervalMs: 60, timeoutMs: 100 } });
    await client.connect();
    await until(() => client.stats.reconnects === 1 && client.state === "ready", 3000, "keepalive reconnect");
    const dropped = states.find((s) => s.state === "reconnecting");
    expect(dropped?.cause?.code).toBe("KEEPALIVE_TIMEOUT");
  });

  test("a blocking synchronous Originate suspends the keepalive instead of tripping it", async () => {
    let pings = 0;
    const { client } = await start(async (peer) => {
      await peer.greetAndLogin();
      const originate = (await peer.next())!;
      // Asterisk holds the session while a synchronous Originate rings: silence, then the answer.
      await new Promise((r) => setTimeout(r, 300));
      await peer.reply(originate, [["Message", "Originate successfully queued"]]);
      for (;;) {
        const action = await peer.next();
        if (!action) return;
        if (action.name === "Ping") pings++;
        await peer.reply(action, [["Ping", "Pong"]]);
      }
    }, { reconnect: fastRetry, keepalive: { intervalMs: 50, timeoutMs: 80 } });
    await client.connect();
    const result = await client.send({ Action: "Originate", Channel: "PJSIP/a", Application: "Wait", Data: "1", Timeout: "1000" });
    expect(result.ok).toBe(true);
    expect(client.stats.reconnects).toBe(0);
    await until(() => pings > 0, 1000, "a keepalive ping after the Originate");
  });
});

describe("bad bytes after login", () => {
  test("garbage is reported as protocol errors and the client keeps working", async () => {
    const { client, errors } = await start(async (peer) => {
      await peer.greetAndLogin();
      const bytes = new Uint8Array(4096);
      let seed = 7;
      for (let i = 0; i < bytes.length; i++) bytes[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      await peer.write(bytes);
      await peer.write("\r\n\r\n");
      const ping = (await peer.next())!;
      await peer.reply(ping, [["Ping", "Pong"]]);
    });
    await client.connect();
    const result = await client.send({ Action: "Ping" });
    expect(result.response.get("Ping")).toBe("Pong");
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.code === "MALFORMED_MESSAGE" || e.code === "LINE_TOO_LONG")).toBe(true);
    expect(client.stats.protocolErrors).toBe(errors.length);
  });

  test("a 10 MB line gives LINE_TOO_LONG, memory stays bounded, and the next action works", async () => {
    const { client, errors } = await start(async (peer) => {
      await peer.greetAndLogin();
      await peer.write("Event: Huge\r\nValue: ");
      const block = new Uint8Array(64 * 1024).fill(0x41);
      for (let sent = 0; sent < 10 * 1024 * 1024; sent += block.length) await peer.write(block);
      await peer.write("\r\n\r\n");
      const ping = (await peer.next())!;
      await peer.reply(ping, [["Ping", "Pong"]]);
    }, { decoderLimits: { maxLineBytes: 256 * 1024 } });
    await client.connect();
    let maxBuffered = 0;
    const sampler = setInterval(() => (maxBuffered = Math.max(maxBuffered, client.bufferedBytes)), 1);
    const result = await client.send({ Action: "Ping" }, { timeoutMs: 10_000 }).finally(() => clearInterval(sampler));
    expect(result.ok).toBe(true);
    expect(errors.map((e) => e.code)).toEqual(["LINE_TOO_LONG"]);
    expect(maxBuffered).toBeLessThanOrEqual(256 * 1024 + 64 * 1024);
    expect(errors[0]!.message).toContain("262144");
  }, 15_000);
});

describe("a slow consumer", () => {
  test("never stalls reading: its bounded queue drops the oldest and counts, while actions still get answers", async () => {
    const total = 5000;
    const { client } = await start(async (peer) => {
      await peer.greetAndLogin();
      let text = "";
      for (let i = 1; i <= total; i++) text += `Event: UserEvent\r\nPrivilege: user,all\r\nUserEvent: n\r\nN: ${i}\r\n\r\n`;
      await peer.write(text);
      const ping = (await peer.next())!;
      await peer.reply(ping, [["Ping", "Pong"]]);
    });
    const slow = client.events({ capacity: 100, overflow: "drop-oldest" });
    const newest = client.events({ capacity: 100, overflow: "drop-newest" });
    await client.connect();
    const result = await client.send({ Action: "Ping" });
    expect(result.ok).toBe(true);
    expect(client.stats.eventsReceived).toBe(total);
    expect(slow.size).toBe(100);
    expect(slow.dropped).toBe(total - 100);
    expect((await slow.next()).value?.get("N")).toBe(String(total - 99));
    expect((await newest.next()).value?.get("N")).toBe("1");
    expect(newest.dropped).toBe(total - 100);
  });

  test("a listener that throws is reported and the others still get every event", async () => {
    const { client, errors } = await start(async (peer) => {
      await peer.greetAndLogin();
      await peer.send([["Event", "UserEvent"], ["UserEvent", "a"]]);
      await peer.send([["Event", "UserEvent"], ["UserEvent", "b"]]);
    });
    const seen: string[] = [];
    client.on("event", () => {
      throw new Error("boom");
    });
    client.on("event", (e) => seen.push(e.get("UserEvent")!));
    await client.connect();
    await until(() => seen.length === 2, 1000, "events");
    expect(seen).toEqual(["a", "b"]);
    expect(errors.filter((e) => e.code === "LISTENER_FAILED").length).toBe(2);
    expect(errors[0]!.message).toContain("boom");
  });
});
