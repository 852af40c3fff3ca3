/**
 * Bus entries kept as journal records and rebuilt from them: every captured Asterisk 22 event,
 * notices of every kind and events built from pairs give the very JSON and SSE frame the live
 * entry gave, through the memory journal and through this runtime's SQLite journal.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventBus, type BusEntry } from "../../core/bridge/mod.ts";
import { AmiDecoder } from "../../core/decoder.ts";
import { memoryJournal } from "../../core/journal/memory.ts";
import { journalEntry, journalRecord } from "../../core/journal/records.ts";
import { AmiMessage } from "../../core/message.ts";
import type { Journal } from "../../core/ports.ts";
import { captureNames, readFixture } from "../codec/helpers.ts";
import { currentRuntime, runtimeName } from "../support/runtime.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "amibridge-records-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every event of the captures, decoded from whole chunks (so each frame is a view into its chunk). */
function capturedEvents(): AmiMessage[] {
  const events: AmiMessage[] = [];
  for (const name of captureNames()) {
    const decoder = new AmiDecoder({ message: (m) => m.kind === "event" && events.push(m), error: () => {} }, { banner: true });
    decoder.push(readFixture(name));
  }
  return events;
}

/** Publishes captured events and notices; returns what live subscribers were sent. */
function publishMix(bus: EventBus): BusEntry[] {
  bus.defineNotice("webhook.disabled", { classes: ["system"] });
  const sub = bus.subscribe({ capacity: 100_000 });
  bus.publishNotice("upstream", "pbx1", { state: "ready", previous: "authenticating" });
  for (const event of capturedEvents()) bus.publishEvent("pbx1", event);
  bus.publishNotice("gap", "pbx-2", { reason: "reconnected", disconnectedAt: "2026-12-03T14:00:00.000Z", cause: { code: "CONNECTION_LOST", message: "the peer closed the connection" } });
  bus.publishNotice("webhook.disabled", "pbx1", { endpoint: "wh_1", status: 410, nested: { list: [1, "two", null], unicode: "é ✓ 😀" } });
  bus.publishEvent("pbx1", AmiMessage.from([["Event", "UserEvent"], ["Privilege", "user,all"], ["UserEvent", "Ping"], ["Variable", "a=1"], ["Variable", "b=2"]]));
  bus.publishEvent("pbx1", AmiMessage.from([["Event", "UserEvent"], ["Privilege", "user,all"], ["Body", "two\r\nlines"]]));
  const out: BusEntry[] = [];
  for (let entry = sub.take(); entry; entry = sub.take()) out.push(entry);
  return out;
}

const shown = (entry: BusEntry) => ({ json: entry.json(), sse: new TextDecoder().decode(entry.sseFrame()), classes: [...entry.classes()] });

async function roundTrip(journal: Journal): Promise<void> {
  const bus = new EventBus({ ring: 0 });
  const live = publishMix(bus);
  expect(live.length).toBeGreaterThan(2000);
  const expected = live.map(shown);
  for (let i = 0; i < live.length; i += 500) await journal.append(live.slice(i, i + 500).map(journalRecord));
  const restored: BusEntry[] = [];
  for (let after = 0; ; ) {
    const page = await journal.read(after, 700);
    if (page.length === 0) break;
    for (const record of page) restored.push(journalEntry(record, (type) => bus.noticeClasses(type)));
    after = page[page.length - 1]!.seq;
  }
  expect(restored.map(shown)).toEqual(expected);
  expect(restored.map((e) => [e.seq, e.type, e.server, e.name, e.receivedAt])).toEqual(live.map((e) => [e.seq, e.type, e.server, e.name, e.receivedAt]));
  expect(restored.filter((e) => e.type === "event").every((e) => e.message!.get("Event") === e.name)).toBe(true);
  await journal.close();
}

describe("journal records", () => {
  test("an event's record holds its frame's exact bytes, copied out of the socket chunk", () => {
    const event = capturedEvents()[0]!;
    expect(event.bytes.buffer.byteLength).toBeGreaterThan(event.bytes.byteLength);
    const bus = new EventBus();
    const record = journalRecord(bus.publishEvent("pbx1", event));
    expect([...record.data]).toEqual([...event.bytes]);
    expect(record.data.buffer.byteLength).toBe(record.data.byteLength);
    expect(record).toMatchObject({ seq: 1, type: "event", server: "pbx1", name: event.name });
  });

  test("replayed from the memory journal: the same JSON, SSE frame and classes as live", async () => {
    await roundTrip(memoryJournal());
  });

  test(`replayed from the SQLite journal on ${runtimeName}: the same JSON, SSE frame and classes as live`, async () => {
    const runtime = await currentRuntime();
    await roundTrip(await runtime.openJournal!({ path: join(dir, "records.db") }));
  });
});
