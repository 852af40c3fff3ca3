/**
 * A bridge with a SQLite journal (this runtime's) over a simulated PBX on loopback: the sequence
 * continues across a restart, a `gap` notice says it restarted, SSE and WebSocket resume read from
 * the journal what the ring no longer holds (byte for byte what the live stream sent), metrics
 * show the journal, and without an `openJournal` the bridge refuses to start with a clear error.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BridgeError, createBridge } from "../../core/bridge/mod.ts";
import { metricsPlugin } from "../../plugins/metrics/mod.ts";
import { closeBridges, emitUserEvents, openEventsSocket, openSse, parse, startEventsBridge } from "../plugins/events/helpers.ts";
import type { TestBridge } from "../support/bridge.ts";
import { currentRuntime, runtimeName } from "../support/runtime.ts";
import type { SseMessage } from "../support/sse.ts";

let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "amibridge-bridge-journal-"));
});
afterEach(closeBridges);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const journalPath = () => join(dir, `j${++n}`, "journal.db");

/** A bridge with the events plugin (and metrics) on a journal at `path`, with a ring of `ring` entries. */
const start = (path: string, ring = 10_000) => startEventsBridge({}, { journal: { path, commitMs: 2 }, events: { ring } });

/** Waits until the journal committed everything published so far. */
async function committedAll(tb: TestBridge): Promise<void> {
  const journal = tb.bridge.journal!;
  await journal.flush();
  expect(journal.committedSeq).toBe(tb.bridge.bus.latestSeq);
}

/** Every message of an SSE stream until `count` arrived. */
const take = async (reader: { take(n: number, ms?: number): Promise<SseMessage[]> }, count: number) => reader.take(count, 5000);

describe(`a bridge with a journal on ${runtimeName}`, () => {
  test("restarted on the same journal: the sequence goes on, a gap notice says so, and Last-Event-ID from before replays from the journal exactly as sent live", async () => {
    const path = journalPath();
    const first = await start(path);
    const live = await openSse(first, "types=event,gap");
    await emitUserEvents(first, 20);
    const sent = await take(live.reader, 20);
    await committedAll(first);
    const lastSeq = first.bridge.bus.latestSeq;
    await live.reader.cancel();
    await closeBridges();

    const second = await start(path);
    // The restart gap is the first entry of the new run, above everything of the last one.
    expect(second.bridge.bus.latestSeq).toBeGreaterThan(lastSeq);
    const resumed = await openSse(second, "types=event,gap", { "last-event-id": sent[4]!.id! });
    const replay = await take(resumed.reader, 15);
    // Entries 6..20 of the first run, byte for byte as the first run sent them; then maybe what came
    // while it logged off, and the restart gap.
    expect(replay).toEqual(sent.slice(5));
    let gap = (await take(resumed.reader, 1))[0]!;
    for (let i = 0; gap.event !== "gap" && i < 20; i++) {
      expect(Number(gap.id)).toBeGreaterThan(Number(sent[19]!.id));
      gap = (await take(resumed.reader, 1))[0]!;
    }
    expect(gap.event).toBe("gap");
    expect(Number(gap.id)).toBeGreaterThan(lastSeq);
    expect(parse(gap.data)).toMatchObject({ type: "gap", reason: "restarted", server: "pbx1", lastSeq });
    // Then live, numbered on from there.
    await emitUserEvents(second, 1, { start: 100 });
    let next = (await take(resumed.reader, 1))[0]!;
    // The new session's own events (FullyBooted) may come first.
    for (let i = 0; parse(next.data).name !== "UserEvent" && i < 20; i++) next = (await take(resumed.reader, 1))[0]!;
    expect(Number(next.id)).toBeGreaterThan(Number(gap.id));
    expect(parse(next.data).headers?.["Index"]).toBe("100");
    await resumed.reader.cancel();
  }, 30_000);

  test("a resume further back than the ring reads the rest from the journal: every entry once, in order, then live", async () => {
    const tb = await start(journalPath(), 5);
    await emitUserEvents(tb, 40);
    await committedAll(tb);
    const firstSeq = tb.bridge.bus.latestSeq - 39;
    const resumed = await openSse(tb, "events=UserEvent", { "last-event-id": String(firstSeq) });
    const replay = await take(resumed.reader, 39);
    expect(replay.map((m) => Number(m.id))).toEqual(Array.from({ length: 39 }, (_, i) => firstSeq + 1 + i));
    expect(replay.map((m) => parse(m.data).headers?.["Index"])).toEqual(Array.from({ length: 39 }, (_, i) => String(i + 1)));
    await emitUserEvents(tb, 1, { start: 999 });
    expect(parse((await take(resumed.reader, 1))[0]!.data).headers?.["Index"]).toBe("999");
    await resumed.reader.cancel();
  }, 30_000);

  test("over a WebSocket too, and what the journal trimmed is reported as a gap", async () => {
    const tb = await startEventsBridge({}, { journal: { path: journalPath(), commitMs: 2, maxRecords: 10 }, events: { ring: 3 } });
    await emitUserEvents(tb, 30);
    await committedAll(tb);
    await tb.bridge.journal!.retain();
    const stats = await tb.bridge.journal!.store.stats();
    expect(stats.records).toBe(10);
    const socket = await openEventsSocket(tb, `events=UserEvent&lastEventId=1`);
    const messages = [];
    for (let i = 0; i < 11; i++) messages.push(parse(await socket.nextMessage()));
    expect(messages[0]).toMatchObject({ type: "gap", reason: "evicted", from: 2, to: stats.firstSeq - 1 });
    expect(messages.slice(1).map((m) => m.seq)).toEqual(Array.from({ length: 10 }, (_, i) => stats.firstSeq + i));
    socket.socket.close();
  }, 30_000);

  test("a live subscriber sees an entry only once the journal committed it", async () => {
    const tb = await start(journalPath());
    const live = await openSse(tb, "events=UserEvent");
    await emitUserEvents(tb, 5);
    const messages = await take(live.reader, 5);
    for (const message of messages) expect(Number(message.id)).toBeLessThanOrEqual(tb.bridge.journal!.committedSeq);
    await live.reader.cancel();
  });

  test("/metrics shows the journal: records, bytes, commit lag, dropped-undelivered", async () => {
    const tb = await startEventsBridge({}, { journal: { path: journalPath(), commitMs: 2 }, plugins: [metricsPlugin({ requireToken: false })] });
    await emitUserEvents(tb, 3);
    await committedAll(tb);
    const text = await (await fetch(`${tb.baseUrl}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name.replace(/[{}"=.]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1]);
    expect(value("amibridge_journal_records")).toBeGreaterThanOrEqual(3);
    expect(value("amibridge_journal_bytes")).toBeGreaterThan(0);
    expect(value("amibridge_journal_committed_seq")).toBe(tb.bridge.bus.latestSeq);
    expect(value('amibridge_journal_commit_lag_seconds{quantile="0.99"}')).toBeGreaterThan(0);
    expect(value("amibridge_journal_dropped_undelivered_total")).toBe(0);
    expect(value('amibridge_journal_full{reason="limits"}')).toBe(0);
  });

  test("a runtime without openJournal: createBridge refuses with JOURNAL_UNAVAILABLE naming the path", async () => {
    const runtime = await currentRuntime();
    const { openJournal: _none, ...bare } = runtime;
    let caught: unknown;
    try {
      await createBridge({ runtime: bare, upstreams: [], journal: { path: "/nowhere/journal.db" } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BridgeError);
    expect((caught as BridgeError).code).toBe("JOURNAL_UNAVAILABLE");
    expect((caught as Error).message).toContain("/nowhere/journal.db");
    expect((caught as Error).message).toContain("without openJournal");
  });
});
