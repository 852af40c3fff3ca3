/**
 * One conformance suite for every implementation of the journal port: the in-memory reference and
 * the SQLite journal of the runtime running the tests (bun:sqlite on Bun, node:sqlite on Node and
 * Deno), on real files in a temporary folder. Durability, locking and damaged files apply to the
 * SQLite journal only.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JournalError } from "../../core/journal/errors.ts";
import { memoryJournal } from "../../core/journal/memory.ts";
import type { Journal, JournalRecord, Runtime } from "../../core/ports.ts";
import { currentRuntime, runtimeName } from "../support/runtime.ts";

let runtime: Runtime;
let dir: string;
let files = 0;
const open: Journal[] = [];

beforeAll(async () => {
  runtime = await currentRuntime();
  dir = mkdtempSync(join(tmpdir(), "amibridge-journal-"));
});

afterAll(async () => {
  await Promise.allSettled(open.map((journal) => journal.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh path in the temporary folder, under a folder that does not exist yet. */
const freshPath = () => join(dir, `case-${++files}`, "journal.db");

const encoder = new TextEncoder();

/** A record with `size` bytes of data (or the given text), at `time`. */
function record(seq: number, options: { size?: number; text?: string; time?: number; type?: string } = {}): JournalRecord {
  const data = options.text !== undefined ? encoder.encode(options.text) : new Uint8Array(options.size ?? 10).map((_, i) => (seq * 31 + i) & 0xff);
  const type = options.type ?? "event";
  return { seq, time: options.time ?? 1_700_000_000_000 + seq, type, server: `pbx${seq % 3}`, name: type === "event" ? `Event${seq}` : type, data };
}

const records = (from: number, to: number, options?: Parameters<typeof record>[1]) => Array.from({ length: to - from + 1 }, (_, i) => record(from + i, options));

/** What a test compares: plain fields, bytes as arrays. */
const plain = (r: JournalRecord) => ({ seq: r.seq, time: r.time, type: r.type, server: r.server, name: r.name, data: [...r.data] });

/** The JournalError a promise rejects with; fails when it resolves or rejects with something else. */
async function journalError(promise: Promise<unknown>): Promise<JournalError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof JournalError) return error;
    throw error;
  }
  throw new Error("expected a JournalError, but the promise resolved");
}

interface Implementation {
  name: string;
  /** Opens the journal at `path` (ignored by the in-memory one). */
  open(path: string): Promise<Journal>;
}

const implementations: Implementation[] = [
  { name: "memory", open: async () => memoryJournal() },
  { name: `sqlite on ${runtimeName}`, open: (path) => runtime.openJournal!({ path }) },
];

async function track(journal: Promise<Journal>): Promise<Journal> {
  const opened = await journal;
  open.push(opened);
  return opened;
}

for (const impl of implementations) {
  describe(`journal conformance: ${impl.name}`, () => {
    const fresh = () => track(impl.open(freshPath()));

    test("a new journal is empty, with lastSeq 0 and firstSeq 1", async () => {
      const journal = await fresh();
      expect(await journal.stats()).toEqual({ records: 0, bytes: 0, firstSeq: 1, lastSeq: 0 });
      expect(await journal.read(0, 100)).toEqual([]);
    });

    test("append then read: oldest first, every field and byte kept, from a cursor, up to a limit", async () => {
      const journal = await fresh();
      const first = [record(1, { text: "Event: Newchannel\r\nChannel: PJSIP/2001-00000001\r\n\r\n" }), record(2, { type: "gap", text: '{"reason":"reconnected"}' })];
      const second = records(3, 7, { size: 300 });
      await journal.append(first);
      await journal.append(second);
      const all = [...first, ...second];
      expect((await journal.read(0, 100)).map(plain)).toEqual(all.map(plain));
      expect((await journal.read(2, 2)).map((r) => r.seq)).toEqual([3, 4]);
      expect((await journal.read(6, 100)).map((r) => r.seq)).toEqual([7]);
      expect(await journal.read(7, 100)).toEqual([]);
      expect(await journal.read(0, 0)).toEqual([]);
      expect((await journal.read(-5, 1)).map((r) => r.seq)).toEqual([1]);
      expect(await journal.stats()).toEqual({ records: 7, bytes: all.reduce((n, r) => n + r.data.byteLength, 0), firstSeq: 1, lastSeq: 7, oldestTime: first[0]!.time });
    });

    test("the journal keeps its own copy of the bytes", async () => {
      const journal = await fresh();
      const r = record(1, { text: "Event: Hangup\r\n\r\n" });
      await journal.append([r]);
      r.data.fill(0);
      expect(new TextDecoder().decode((await journal.read(0, 1))[0]!.data)).toBe("Event: Hangup\r\n\r\n");
    });

    test("sequence numbers must increase: a batch with one out of order is refused whole", async () => {
      const journal = await fresh();
      await journal.append(records(1, 3));
      for (const batch of [[record(3)], [record(2)], [record(4), record(4)], [record(5), record(4)], [record(4), { ...record(5), seq: 5.5 }], [{ ...record(4), seq: Number.NaN }]]) {
        const error = await journalError(journal.append(batch));
        expect(error.code).toBe("JOURNAL_SEQUENCE");
        expect(error.message).toMatch(/^expected a sequence number above \d+, got /);
      }
      expect((await journal.read(0, 10)).map((r) => r.seq)).toEqual([1, 2, 3]);
      expect((await journal.stats()).lastSeq).toBe(3);
      // A skipped number is allowed: entries the journal did not accept leave holes.
      await journal.append([record(10), record(12)]);
      expect((await journal.read(3, 10)).map((r) => r.seq)).toEqual([10, 12]);
      await journal.append([]);
      expect((await journal.stats()).lastSeq).toBe(12);
    });

    test("trim by count removes the oldest and says how many went", async () => {
      const journal = await fresh();
      await journal.append(records(1, 10));
      expect(await journal.trim({ maxRecords: 4 })).toBe(6);
      expect((await journal.read(0, 100)).map((r) => r.seq)).toEqual([7, 8, 9, 10]);
      expect(await journal.stats()).toMatchObject({ records: 4, bytes: 40, firstSeq: 7, lastSeq: 10 });
      expect(await journal.trim({ maxRecords: 4 })).toBe(0);
    });

    test("trim by bytes keeps the newest records whose data fits", async () => {
      const journal = await fresh();
      await journal.append([record(1, { size: 100 }), record(2, { size: 200 }), record(3, { size: 50 }), record(4, { size: 25 })]);
      expect(await journal.trim({ maxBytes: 80 })).toBe(2);
      expect(await journal.stats()).toMatchObject({ records: 2, bytes: 75, firstSeq: 3 });
      expect(await journal.trim({ maxBytes: 74 })).toBe(1);
      expect((await journal.read(0, 10)).map((r) => r.seq)).toEqual([4]);
    });

    test("trim by age removes records older than minTime, and the tightest bound wins", async () => {
      const journal = await fresh();
      await journal.append(records(1, 10, { size: 10 }).map((r) => ({ ...r, time: 1000 * r.seq })));
      expect(await journal.trim({ minTime: 3500 })).toBe(3);
      expect(await journal.stats()).toMatchObject({ records: 7, firstSeq: 4, oldestTime: 4000 });
      expect(await journal.trim({ minTime: 5000, maxRecords: 3, maxBytes: 1000 })).toBe(4);
      expect((await journal.read(0, 10)).map((r) => r.seq)).toEqual([8, 9, 10]);
    });

    test("keepAfterSeq protects what a consumer still needs, whatever the other bounds say", async () => {
      const journal = await fresh();
      await journal.append(records(1, 10));
      expect(await journal.trim({ maxRecords: 2, keepAfterSeq: 5 })).toBe(5);
      expect((await journal.stats()).firstSeq).toBe(6);
      expect(await journal.trim({ maxRecords: 0, keepAfterSeq: 5 })).toBe(0);
      expect(await journal.trim({ maxRecords: 0, keepAfterSeq: 8 })).toBe(3);
      expect((await journal.read(0, 10)).map((r) => r.seq)).toEqual([9, 10]);
    });

    test("lastSeq survives trimming everything, and appends must still go above it", async () => {
      const journal = await fresh();
      await journal.append(records(1, 5));
      expect(await journal.trim({ maxRecords: 0 })).toBe(5);
      expect(await journal.stats()).toEqual({ records: 0, bytes: 0, firstSeq: 6, lastSeq: 5 });
      expect((await journalError(journal.append([record(5)]))).code).toBe("JOURNAL_SEQUENCE");
      await journal.append([record(6)]);
      expect(await journal.stats()).toMatchObject({ records: 1, firstSeq: 6, lastSeq: 6 });
    });

    test("values: set, overwrite and delete in one call, list by prefix in key order", async () => {
      const journal = await fresh();
      expect(await journal.getValue("cursor/a")).toBeUndefined();
      await journal.setValues([["cursor/b", "20"], ["cursor/a", "10"], ["cursor/ab", "15"], ["webhook/1", '{"url":"https://example.com"}'], ["cursor", "bare"]]);
      await journal.setValues([["cursor/b", "21"], ["cursor/ab", undefined], ["cursor/missing", undefined]]);
      expect(await journal.getValue("cursor/b")).toBe("21");
      expect(await journal.getValue("cursor/ab")).toBeUndefined();
      expect(await journal.listValues("cursor/")).toEqual([["cursor/a", "10"], ["cursor/b", "21"]]);
      expect(await journal.listValues("cursor")).toEqual([["cursor", "bare"], ["cursor/a", "10"], ["cursor/b", "21"]]);
      expect((await journal.listValues("")).map(([key]) => key)).toEqual(["cursor", "cursor/a", "cursor/b", "webhook/1"]);
      expect(await journal.listValues("nothing/")).toEqual([]);
      await journal.setValues([["é/1", "x"], ["e/1", "y"]]);
      expect(await journal.listValues("é")).toEqual([["é/1", "x"]]);
    });

    test("a closed journal refuses every call with JOURNAL_CLOSED; close is idempotent", async () => {
      const journal = await fresh();
      await journal.close();
      await journal.close();
      for (const call of [() => journal.append([record(1)]), () => journal.read(0, 1), () => journal.stats(), () => journal.trim({ maxRecords: 0 }), () => journal.getValue("a"), () => journal.setValues([["a", "b"]]), () => journal.listValues("")]) {
        expect((await journalError(call())).code).toBe("JOURNAL_CLOSED");
      }
    });
  });
}

describe(`the SQLite journal on ${runtimeName}: a real file`, () => {
  const openAt = (path: string) => track(runtime.openJournal!({ path }));

  test(`${runtimeName}'s runtime provides openJournal`, () => {
    expect(typeof runtime.openJournal).toBe("function");
  });

  test("records, values and lastSeq survive close and reopen; appends go on from there", async () => {
    const path = freshPath();
    const first = await openAt(path);
    expect(existsSync(path)).toBe(true);
    await first.append(records(1, 6, { size: 64 }));
    await first.trim({ maxRecords: 4 });
    await first.setValues([["cursor/crm", "4"]]);
    const before = (await first.read(0, 10)).map(plain);
    await first.close();

    const second = await openAt(path);
    expect(await second.stats()).toEqual({ records: 4, bytes: 256, firstSeq: 3, lastSeq: 6, oldestTime: record(3).time });
    expect((await second.read(0, 10)).map(plain)).toEqual(before);
    expect(await second.getValue("cursor/crm")).toBe("4");
    expect((await journalError(second.append([record(6)]))).code).toBe("JOURNAL_SEQUENCE");
    await second.append([record(7)]);
    await second.trim({ maxRecords: 0 });
    await second.close();

    const third = await openAt(path);
    expect(await third.stats()).toEqual({ records: 0, bytes: 0, firstSeq: 8, lastSeq: 7 });
    await third.close();
  });

  test("a second open of a journal in use is refused with JOURNAL_UNAVAILABLE and moves nothing; it opens once the first is closed", async () => {
    const path = freshPath();
    const first = await openAt(path);
    await first.append(records(1, 3));
    const error = await journalError(runtime.openJournal!({ path }));
    expect(error.code).toBe("JOURNAL_UNAVAILABLE");
    expect(error.message).toContain(path);
    expect(readdirSync(join(path, "..")).filter((name) => name.includes("damaged"))).toEqual([]);
    await first.append([record(4)]);
    await first.close();
    const again = await openAt(path);
    expect((await again.read(0, 10)).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    await again.close();
  }, 20_000);

  /** Opens a damaged file: expects JOURNAL_CORRUPT naming both paths, the bytes kept aside, and a fresh empty journal on the next open. */
  async function expectMovedAside(path: string, original: Uint8Array, cause: RegExp): Promise<void> {
    const error = await journalError(runtime.openJournal!({ path }));
    expect(error.code).toBe("JOURNAL_CORRUPT");
    expect(error.message).toContain(path);
    expect(error.message).toMatch(cause);
    const aside = /moved aside to (\S+?), and/.exec(error.message)?.[1];
    expect(aside).toBeDefined();
    expect(aside!.startsWith(`${path}.damaged-`)).toBe(true);
    expect([...readFileSync(aside!)]).toEqual([...original]);
    expect(existsSync(path)).toBe(false);
    const fresh = await openAt(path);
    expect(await fresh.stats()).toEqual({ records: 0, bytes: 0, firstSeq: 1, lastSeq: 0 });
    await fresh.append([record(1)]);
    await fresh.close();
  }

  test("garbage bytes: JOURNAL_CORRUPT naming both paths, the file kept aside, and the next open starts empty", async () => {
    const path = freshPath();
    await openAt(path).then((journal) => journal.close());
    const garbage = new Uint8Array(8192).map((_, i) => (i * 7919 + 13) & 0xff);
    writeFileSync(path, garbage);
    await expectMovedAside(path, garbage, /not a database|damaged/i);
  });

  test("a truncated journal is found damaged at open, not mid-run", async () => {
    const path = freshPath();
    const journal = await openAt(path);
    for (let seq = 1; seq <= 2000; seq += 100) await journal.append(records(seq, seq + 99, { size: 700 }));
    await journal.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    const size = readFileSync(path).byteLength;
    truncateSync(path, Math.floor(size / 2));
    await expectMovedAside(path, readFileSync(path), /malformed|damaged|corrupt/i);
  });

  test("an SQLite file of another application is not taken for a journal", async () => {
    const path = freshPath();
    await openAt(path).then((journal) => journal.close());
    const bytes = readFileSync(path);
    // The header's application_id (offset 68, big-endian): what another program would have set.
    bytes.writeUInt32BE(0x12345678, 68);
    writeFileSync(path, bytes);
    await expectMovedAside(path, bytes, /another application/);
  });

  test("a journal of another schema version is not read as this one", async () => {
    const path = freshPath();
    await openAt(path).then((journal) => journal.close());
    const bytes = readFileSync(path);
    bytes.writeUInt32BE(99, 60); // user_version
    writeFileSync(path, bytes);
    await expectMovedAside(path, bytes, /schema version 99/);
  });

  test("an empty file is a new journal, not damage", async () => {
    const path = freshPath();
    await openAt(path).then((journal) => journal.close());
    writeFileSync(path, new Uint8Array(0));
    const journal = await openAt(path);
    expect(await journal.stats()).toEqual({ records: 0, bytes: 0, firstSeq: 1, lastSeq: 0 });
    await journal.close();
  });
});
