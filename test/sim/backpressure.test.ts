/**
 * One session's slow socket never stalls the others: output queues are bounded per session and
 * a reader that stops is dropped (write timeout or queue overflow), as Asterisk drops it.
 * Also the event generator (flood) and a clean close with calls in progress.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { AmiDecoder } from "../../core/decoder.ts";
import { encodeHeaders } from "../../core/encoder.ts";
import type { Transport } from "../../core/ports.ts";
import type { SimulatedPbx, SimSession } from "../../core/sim/mod.ts";
import { loggedIn, sleep, startPbx } from "./helpers.ts";
import type { RawClient } from "./helpers.ts";

let pbx: SimulatedPbx | undefined;
const clients: RawClient[] = [];
const transports: Transport[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  // Closing the stalled client first resets the connection, so the server need not wait out its close grace.
  await Promise.all(transports.splice(0).map((t) => t.close().catch(() => {})));
  await pbx?.close();
  pbx = undefined;
});

/** Logs in on a raw connection, then never reads from it again. */
async function stalledSession(started: Awaited<ReturnType<typeof startPbx>>): Promise<SimSession> {
  const before = new Set(started.pbx.sessions);
  const transport = await started.runtime.connect({ hostname: "127.0.0.1", port: started.port });
  transports.push(transport);
  const writer = transport.writable.getWriter();
  await writer.write(encodeHeaders([["Action", "Login"], ["Username", "hello"], ["Secret", "world"]]));
  writer.releaseLock();
  for (let i = 0; i < 200; i++) {
    const session = started.pbx.sessions.find((s) => !before.has(s) && s.authenticated);
    if (session) return session;
    await sleep(5);
  }
  throw new Error("the stalled session never logged in");
}

/** A logged-in session that only counts UserEvents (cheaper than keeping every message). */
async function countingSession(started: Awaited<ReturnType<typeof startPbx>>): Promise<{ done(count: number): Promise<void>; inOrder(): boolean }> {
  const transport = await started.runtime.connect({ hostname: "127.0.0.1", port: started.port });
  transports.push(transport);
  let seen = 0;
  let ordered = true;
  let loggedInNow = false;
  const decoder = new AmiDecoder(
    {
      message: (m) => {
        if (m.kind === "response" && m.get("Message") === "Authentication accepted") loggedInNow = true;
        if (m.name !== "UserEvent") return;
        if (m.get("Sequence") !== String(seen)) ordered = false;
        seen++;
      },
      error: () => (ordered = false),
    },
    { banner: true },
  );
  void (async () => {
    const reader = transport.readable.getReader();
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
      if (done) break;
      decoder.push(value);
    }
  })();
  const writer = transport.writable.getWriter();
  await writer.write(encodeHeaders([["Action", "Login"], ["Username", "hello"], ["Secret", "world"]]));
  writer.releaseLock();
  for (let i = 0; i < 200 && !loggedInNow; i++) await sleep(5);
  return {
    async done(count) {
      for (let i = 0; i < 600 && seen < count; i++) await sleep(5);
      expect(seen).toBe(count);
    },
    inOrder: () => ordered,
  };
}

const padded = (index: number): Array<[string, string]> => [["UserEvent", "Flood"], ["Sequence", String(index)], ["Padding", "x".repeat(120)]];

describe("slow readers", () => {
  test("a stalled reader is dropped on its write timeout while a reading session gets every event in order", async () => {
    // Client and server share one process here, so the timeout leaves room for the reader's own pauses.
    const started = await startPbx({ maxQueuedBytes: 256 * 1024, writeTimeoutMs: 400 });
    pbx = started.pbx;
    const slow = await stalledSession(started);
    const fast = await countingSession(started);
    const count = 40_000;
    const result = await pbx.flood({ count, headers: padded });
    expect(result.events).toBe(count);
    expect(["write-timeout", "overflow"]).toContain(slow.endReason!);
    expect(pbx.sessions).not.toContain(slow);
    await fast.done(count);
    expect(fast.inOrder()).toBe(true);
  });

  test("at a fixed rate the generator never waits: a stalled reader overflows its queue and is dropped", async () => {
    // About 8.7 MB at 100 000 events/s: more than a stalled socket absorbs (~2 MB) plus its 4 MiB queue.
    const started = await startPbx({ maxQueuedBytes: 4 * 1024 * 1024, writeTimeoutMs: 0 });
    pbx = started.pbx;
    const slow = await stalledSession(started);
    const fast = await countingSession(started);
    await pbx.flood({ count: 50_000, ratePerSecond: 100_000, headers: padded });
    expect(slow.endReason).toBe("overflow");
    await fast.done(50_000);
    expect(fast.inOrder()).toBe(true);
  });

  test("responses of other sessions keep flowing while one reader is stalled", async () => {
    const started = await startPbx({ maxQueuedBytes: 64 * 1024 * 1024, writeTimeoutMs: 0 });
    pbx = started.pbx;
    const slow = await stalledSession(started);
    const other = await loggedIn(started.runtime, started.port);
    clients.push(other);
    void pbx.flood({ count: 60_000, ratePerSecond: 10_000_000, headers: padded });
    for (let i = 0; i < 200 && slow.queuedBytes < 1024 * 1024; i++) await sleep(5);
    expect(slow.queuedBytes).toBeGreaterThanOrEqual(1024 * 1024);
    await other.send({ Action: "Ping", ActionID: "still-here" });
    const pong = await other.response("still-here", 3000);
    expect(pong.get("Ping")).toBe("Pong");
    expect(other.messages.filter((m) => m.name === "UserEvent")).toHaveLength(60_000);
    expect(slow.ended).toBe(false);
  });
});

describe("flood", () => {
  test("a paced flood keeps its rate and counts its deliveries", async () => {
    const started = await startPbx();
    pbx = started.pbx;
    const a = await loggedIn(started.runtime, started.port);
    const b = await loggedIn(started.runtime, started.port);
    clients.push(a, b);
    const result = await pbx.flood({ count: 40, ratePerSecond: 400, name: "Newstate", privilege: "call,all" });
    expect(result.deliveries).toBe(80);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(80);
    expect(result.elapsedMs).toBeLessThan(1500);
    const last = await b.event("Newstate", (m) => m.get("Sequence") === "39");
    expect(last.headers.map(([k]) => k)).toEqual(["Event", "Privilege", "Sequence"]);
  });
});

describe("close", () => {
  test("closing with calls up and sessions connected ends everything promptly", async () => {
    const started = await startPbx();
    pbx = started.pbx;
    const c = await loggedIn(started.runtime, started.port);
    clients.push(c);
    await c.send({ Action: "Originate", ActionID: "o", Channel: "Local/long@test", Application: "Wait", Async: "true" });
    await c.event("OriginateResponse");
    expect(pbx.channels).toHaveLength(2);
    const begun = Date.now();
    await pbx.close();
    expect(Date.now() - begun).toBeLessThan(1500);
    expect(pbx.channels).toHaveLength(0);
    expect(pbx.sessions).toHaveLength(0);
    expect(await c.closedWithin(1000)).toBe(true);
  });
});
