/** The writer's committed entries in memory (core/journal/recent.ts): in order, bounded, never what the journal trimmed. */
import { describe, expect, test } from "bun:test";
import { EventBus } from "../../core/bridge/bus.ts";
import { noticeEntry } from "../../core/bridge/entry.ts";
import { memoryJournal } from "../../core/journal/memory.ts";
import { RecentEntries } from "../../core/journal/recent.ts";
import { JournalWriter } from "../../core/journal/writer.ts";
import { AmiMessage } from "../../core/message.ts";

const entry = (seq: number) => noticeEntry(seq, "test", "pbx1", { n: seq });
const seqs = (entries: readonly { seq: number }[] | undefined) => entries?.map((e) => e.seq);

describe("RecentEntries", () => {
  test("serves what it holds above a sequence number, with skipped numbers, and says when it no longer holds everything", () => {
    const recent = new RecentEntries(4, 10);
    expect(seqs(recent.since(10, 10))).toEqual([]);
    expect(recent.since(9, 10)).toBeUndefined();
    recent.add([entry(11), entry(13), entry(14)]);
    expect(seqs(recent.since(10, 10))).toEqual([11, 13, 14]);
    expect(seqs(recent.since(11, 10))).toEqual([13, 14]);
    expect(seqs(recent.since(12, 1))).toEqual([13]);
    recent.add([entry(15), entry(16)]);
    // 11 fell out: from 10 the journal must be read; from 11 on everything is here.
    expect(recent.since(10, 10)).toBeUndefined();
    expect(seqs(recent.since(11, 10))).toEqual([13, 14, 15, 16]);
    recent.dropBelow(15);
    expect(recent.since(13, 10)).toBeUndefined();
    expect(seqs(recent.since(14, 10))).toEqual([15, 16]);
    // Trimmed past everything held: nothing below the journal's first record is served.
    recent.dropBelow(20);
    expect(recent.since(16, 10)).toBeUndefined();
    expect(seqs(recent.since(19, 10))).toEqual([]);
  });
});

describe("JournalWriter.committedSince", () => {
  test("gives the bus's own entries once committed, not before, and nothing the journal trimmed", async () => {
    const bus = new EventBus();
    const writer = new JournalWriter(memoryJournal(), { commitEvents: 1000, commitMs: 60_000, retention: { maxRecords: 3, whenFull: "drop-oldest" }, onRelease: (seq) => bus.release(seq) });
    bus.holdUntilReleased();
    bus.listen((e) => void writer.add(e));
    const published = [1, 2, 3, 4, 5].map((i) => bus.publishEvent("pbx1", AmiMessage.from([["Event", "UserEvent"], ["N", String(i)]])));
    expect(seqs(writer.committedSince(0, 10))).toEqual([]);
    await writer.flush();
    await writer.retain();
    // Trimmed to 3 records: 1 and 2 are gone from the journal, and from memory.
    expect(writer.committedSince(0, 10)).toBeUndefined();
    const held = writer.committedSince(2, 10)!;
    expect(seqs(held)).toEqual([3, 4, 5]);
    expect(held[0]).toBe(published[2]!);
    await writer.close();
  });
});
