/**
 * The journal writer: group commit by count and by time, batches that grow while the store is
 * slow, a bounded backlog, retried failures, retention with consumer cursors under both policies,
 * and the bus releasing entries to subscribers only once committed.
 */
import { describe, expect, test } from "bun:test";
import { EventBus } from "../../core/bridge/bus.ts";
import type { BusEntry } from "../../core/bridge/entry.ts";
import { memoryJournal } from "../../core/journal/memory.ts";
import { cursorKey, cursorValue } from "../../core/journal/retention.ts";
import { JOURNAL_NOTICES, JournalWriter, type JournalWriterOptions } from "../../core/journal/writer.ts";
import { AmiMessage } from "../../core/message.ts";
import type { Journal, JournalRecord } from "../../core/ports.ts";

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A store whose appends the test controls: each waits until `open()` and records its batch sizes. */
function gatedStore(inner: Journal = memoryJournal()) {
  const batches: number[] = [];
  let gate: (() => void) | undefined;
  let failures = 0;
  const store: Journal = {
    ...inner,
    async append(records: readonly JournalRecord[]) {
      batches.push(records.length);
      if (failures > 0) {
        failures--;
        throw new Error("SQLITE_FULL: database or disk is full");
      }
      if (gated) await new Promise<void>((resolve) => (gate = resolve));
      return inner.append(records);
    },
  };
  let gated = false;
  return {
    store,
    inner,
    batches,
    hold: () => void (gated = true),
    open() {
      gated = false;
      gate?.();
      gate = undefined;
    },
    failNext: (n: number) => void (failures = n),
  };
}

/** A bus whose every entry goes to `writer`, with the journal notices defined and published as the bridge does. */
function wired(store: Journal, options: JournalWriterOptions = {}) {
  const bus = new EventBus();
  for (const type of JOURNAL_NOTICES) bus.defineNotice(type, { classes: ["system"] });
  const notices: BusEntry[] = [];
  const writer = new JournalWriter(store, {
    onRelease: (seq) => bus.release(seq),
    onNotice: (type, fields) => void notices.push(bus.publishNotice(type, "pbx1", fields)),
    retryMs: [5, 20],
    ...options,
  });
  bus.holdUntilReleased();
  bus.listen((entry) => void writer.add(entry));
  const event = (name = "Newchannel") => bus.publishEvent("pbx1", AmiMessage.from([["Event", name], ["Privilege", "call,all"]]));
  return { bus, writer, notices, event };
}

/** Resolves once the writer has committed `seq`. */
function committed(writer: JournalWriter, seq: number): Promise<void> {
  if (writer.committedSeq >= seq) return Promise.resolve();
  return new Promise((resolve) => {
    const off = writer.onCommit((at) => {
      if (at >= seq) {
        off();
        resolve();
      }
    });
  });
}

const drain = (take: () => BusEntry | undefined) => {
  const out: BusEntry[] = [];
  for (let e = take(); e; e = take()) out.push(e);
  return out;
};

describe("group commit", () => {
  test("commitEvents pending entries are appended at once, as one batch", async () => {
    const gated = gatedStore();
    const { writer, event } = wired(gated.store, { commitEvents: 3, commitMs: 60_000 });
    for (let i = 0; i < 3; i++) event();
    await committed(writer, 3);
    expect(gated.batches).toEqual([3]);
    expect((await gated.inner.read(0, 10)).map((r) => [r.seq, r.name])).toEqual([[1, "Newchannel"], [2, "Newchannel"], [3, "Newchannel"]]);
    await writer.close();
  });

  test("fewer entries are committed once commitMs has passed since the first", async () => {
    const gated = gatedStore();
    const { writer, event } = wired(gated.store, { commitEvents: 1000, commitMs: 20 });
    event();
    event();
    await tick();
    expect(writer.committedSeq).toBe(0);
    await committed(writer, 2);
    expect(gated.batches).toEqual([2]);
    expect(writer.stats()).toMatchObject({ committed: 2, commits: 1, pending: 0 });
    expect(writer.stats().lagMaxMs).toBeGreaterThan(0);
    await writer.close();
  });

  test("while the store is slow, what arrives waits and goes in one bigger batch, never more than maxBatch", async () => {
    const gated = gatedStore();
    const { writer, event } = wired(gated.store, { commitEvents: 1, commitMs: 1, maxBatch: 40, maxPending: 1000 });
    gated.hold();
    event();
    await tick();
    for (let i = 0; i < 100; i++) event();
    await tick();
    expect(gated.batches).toEqual([1]);
    expect(writer.stats().pending).toBe(101);
    gated.open();
    await committed(writer, 101);
    expect(gated.batches).toEqual([1, 40, 40, 20]);
    expect((await gated.inner.stats()).records).toBe(101);
    await writer.close();
  });

  test("past maxPending, entries are not accepted: counted, said once with journal.full, and still delivered live", async () => {
    const gated = gatedStore();
    const { bus, writer, event, notices } = wired(gated.store, { commitEvents: 1, maxBatch: 1, maxPending: 5 });
    const live = bus.subscribe();
    gated.hold();
    for (let i = 0; i < 9; i++) event();
    await tick();
    // Four events; the journal.full notice itself is taken past the bound, so the journal says why 6..9 are missing.
    expect(writer.stats()).toMatchObject({ refused: 4, full: "backlog" });
    expect(notices.map((n) => [n.type, n.fields?.["reason"]])).toEqual([["journal.full", "backlog"]]);
    gated.open();
    await committed(writer, 5);
    await writer.flush();
    // Every entry reached the subscriber, in order: the committed ones and the refused ones after them.
    const seen = drain(() => live.take()).map((e) => e.seq);
    expect(seen.slice(0, 9)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await gated.inner.read(0, 20)).map((r) => [r.seq, r.type]).slice(0, 6)).toEqual([[1, "event"], [2, "event"], [3, "event"], [4, "event"], [5, "event"], [10, "journal.full"]]);
    expect(notices.map((n) => [n.type, n.fields?.["reason"]])).toContainEqual(["journal.recovered", "backlog"]);
    await writer.close();
  });
});

describe("a failing store", () => {
  test("a failed append is retried until it succeeds, reported with journal.full, then journal.recovered; nothing lost, order kept", async () => {
    const gated = gatedStore();
    const errors: string[] = [];
    const { bus, writer, event, notices } = wired(gated.store, { commitEvents: 2, onError: (message) => errors.push(message) });
    const live = bus.subscribe();
    gated.failNext(3);
    event();
    event();
    await committed(writer, 2);
    expect(gated.batches.slice(0, 4)).toEqual([2, 2, 2, 2]);
    expect(writer.stats()).toMatchObject({ failures: 3, committedSeq: 2, full: undefined });
    expect(errors[0]).toMatch(/journal append of 2 entries failed; retrying in 5 ms/);
    await tick();
    expect(notices.map((n) => [n.type, n.fields?.["reason"]])).toEqual([["journal.full", "append-failed"], ["journal.recovered", "append-failed"]]);
    expect(notices[0]!.fields?.["error"]).toContain("disk is full");
    await writer.flush();
    expect((await gated.inner.read(0, 10)).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    // While the store failed the entries went live rather than stall the streams.
    expect(drain(() => live.take()).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    await writer.close();
  });

  test("closing while the store still fails gives up after one more try, and says what was not committed", async () => {
    const gated = gatedStore();
    const errors: string[] = [];
    const { writer, event } = wired(gated.store, { commitEvents: 1, retryMs: [60_000, 60_000], onError: (message) => errors.push(message) });
    gated.failNext(100);
    event();
    await tick();
    await tick();
    await writer.close();
    expect(errors.some((line) => /closing and its store still fails: 1 entries \(1\.\.1\) were not committed/.test(line))).toBe(true);
  });
});

describe("the bus releases entries once committed", () => {
  test("a subscriber sees an entry only after its commit; a resume does not replay what is still held", async () => {
    const gated = gatedStore();
    const { bus, writer, event } = wired(gated.store, { commitEvents: 1000, commitMs: 60_000 });
    const live = bus.subscribe();
    event();
    event();
    expect(live.depth).toBe(0);
    const { subscription, replay } = bus.resume(0);
    expect(replay.entries).toEqual([]);
    await writer.flush();
    expect(drain(() => live.take()).map((e) => e.seq)).toEqual([1, 2]);
    expect(drain(() => subscription.take()).map((e) => e.seq)).toEqual([1, 2]);
    expect(bus.releasedSeq).toBe(2);
    await writer.close();
  });
});

describe("retention", () => {
  test("without cursors, the history is trimmed to its bounds after commits, nothing counted as undelivered", async () => {
    const store = memoryJournal();
    const { writer, event, notices } = wired(store, { commitEvents: 1, retention: { maxRecords: 3, whenFull: "drop-oldest" } });
    for (let i = 0; i < 6; i++) {
      event();
      await committed(writer, i + 1);
    }
    await writer.retain();
    expect(await store.stats()).toMatchObject({ records: 3, firstSeq: 4, lastSeq: 6 });
    expect(writer.stats()).toMatchObject({ droppedUndelivered: 0, trimmed: 3 });
    expect(notices).toEqual([]);
    await writer.close();
  });

  test("drop-oldest: a consumer behind the bounds loses the oldest records, counted, with a journal.full notice", async () => {
    const store = memoryJournal();
    await store.setValues([[cursorKey("crm"), cursorValue(2)], [cursorKey("erp"), JSON.stringify({ seq: 9, endpoint: "x" })]]);
    const { writer, event, notices } = wired(store, { commitEvents: 10, retention: { maxRecords: 5, whenFull: "drop-oldest" } });
    for (let i = 0; i < 10; i++) event();
    await committed(writer, 10);
    await writer.retain();
    await tick();
    expect(await store.stats()).toMatchObject({ records: 5, firstSeq: 6 });
    // 1 and 2 were delivered to every consumer; 3, 4 and 5 were not, to crm.
    expect(writer.stats()).toMatchObject({ droppedUndelivered: 3, trimmed: 5 });
    expect(notices.map((n) => [n.type, n.fields?.["policy"], n.fields?.["dropped"]])).toEqual([["journal.full", "drop-oldest", 3]]);
    expect(writer.stats().full).toBe("limits");
    // Back at the bound is not recovered: crm still misses 3..5. Once it has caught up, it is.
    await writer.retain();
    expect(writer.stats().full).toBe("limits");
    await store.setValues([[cursorKey("crm"), cursorValue(11)]]);
    await writer.retain();
    await tick();
    expect(writer.stats().full).toBeUndefined();
    expect(notices.map((n) => n.type)).toEqual(["journal.full", "journal.recovered"]);
    await writer.close();
  });

  test("stop-accepting: the journal keeps what is undelivered and refuses more, then accepts again once the consumer caught up", async () => {
    const store = memoryJournal();
    await store.setValues([[cursorKey("crm"), cursorValue(0)]]);
    const { bus, writer, event, notices } = wired(store, { commitEvents: 5, retention: { maxRecords: 10, whenFull: "stop-accepting" } });
    const live = bus.subscribe();
    for (let i = 0; i < 15; i++) event();
    await committed(writer, 15);
    await writer.retain();
    expect(writer.stats().full).toBe("limits");
    await tick();
    expect(notices.map((n) => [n.type, n.fields?.["policy"]])).toEqual([["journal.full", "stop-accepting"]]);
    const refusedBefore = writer.stats().refused;
    for (let i = 0; i < 3; i++) event();
    expect(writer.stats().refused).toBe(refusedBefore + 3);
    // The journal.full notice itself is journaled, so a consumer reading the journal learns why numbers are missing.
    await writer.flush();
    expect(await store.stats()).toMatchObject({ records: 16, firstSeq: 1 });
    expect((await store.read(15, 10)).map((r) => [r.type, JSON.parse(new TextDecoder().decode(r.data)).policy])).toEqual([["journal.full", "stop-accepting"]]);
    // The consumer catches up: the next run trims what it is done with, with room to spare, and the journal accepts again.
    await store.setValues([[cursorKey("crm"), cursorValue(14)]]);
    await writer.retain();
    await tick();
    expect(writer.stats().full).toBeUndefined();
    expect(notices.map((n) => n.type)).toContain("journal.recovered");
    const seq = event().seq;
    await writer.flush();
    expect((await store.read(seq - 1, 1)).map((r) => r.seq)).toEqual([seq]);
    // Nothing was hidden from live subscribers meanwhile.
    expect(drain(() => live.take()).filter((e) => e.type === "event").length).toBe(19);
    await writer.close();
  });
});
