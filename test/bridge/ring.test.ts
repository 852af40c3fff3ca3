/**
 * The replay ring keeps each event once, compactly: the exact bytes of its frame, never a view
 * that pins the whole socket chunk, nor the parsed headers or encodings of the live entry; and a
 * replay rebuilt from those bytes is what live subscribers were sent.
 */
import { Buffer } from "node:buffer";
import { describe, expect, test } from "bun:test";
import { EventBus, type BusEntry } from "../../core/bridge/mod.ts";
import { AmiDecoder } from "../../core/decoder.ts";
import type { AmiMessage } from "../../core/message.ts";
import { captureNames, readFixture } from "../codec/helpers.ts";

/** Every event of the captures, each capture decoded from one chunk, so every frame is a view into it. */
function capturedEvents(toChunk: (bytes: Uint8Array) => Uint8Array = (bytes) => bytes): AmiMessage[] {
  const events: AmiMessage[] = [];
  for (const name of captureNames()) {
    const decoder = new AmiDecoder({ message: (m) => m.kind === "event" && events.push(m), error: () => {} }, { banner: true });
    decoder.push(toChunk(readFixture(name)));
  }
  return events;
}

/** Publishes `events` and records what live subscribers were sent for each. */
function publishAll(bus: EventBus, events: AmiMessage[]): Map<number, { json: string; sse: string; frame: number }> {
  const live = new Map<number, { json: string; sse: string; frame: number }>();
  const off = bus.listen((entry) => {
    live.set(entry.seq, { json: entry.json(), sse: new TextDecoder().decode(entry.sseFrame()), frame: entry.message?.bytes.byteLength ?? 0 });
  });
  for (const event of events) bus.publishEvent("pbx1", event);
  off();
  return live;
}

describe("the replay ring", () => {
  test("holds each event's frame in a buffer of the frame's own size, not the chunk it was read in", () => {
    const events = capturedEvents();
    expect(events.length).toBeGreaterThan(2000);
    // The premise: decoded frames are views into chunks far larger than themselves.
    expect(events.every((event) => event.bytes.buffer.byteLength > event.bytes.byteLength)).toBe(true);
    const bus = new EventBus({ ring: events.length });
    const live = publishAll(bus, events);
    const replay = bus.ring.since(0).entries;
    expect(replay.length).toBe(events.length);
    for (const entry of replay) {
      const bytes = entry.message!.bytes;
      expect(bytes.byteOffset).toBe(0);
      expect(bytes.buffer.byteLength).toBe(live.get(entry.seq)!.frame);
    }
    const frames = events.reduce((sum, event) => sum + event.bytes.byteLength, 0);
    expect(bus.ring.heldBytes).toBe(frames);
  });

  test("copies out of a Node Buffer too (whose slice() is a view, not a copy)", () => {
    const events = capturedEvents((bytes) => Buffer.from(bytes));
    const bus = new EventBus({ ring: 100 });
    publishAll(bus, events.slice(0, 100));
    for (const entry of bus.ring.since(0).entries) expect(entry.message!.bytes.buffer.byteLength).toBe(entry.message!.bytes.byteLength);
  });

  test("a replay sends exactly what live subscribers were sent: same JSON, same SSE frame, same headers", () => {
    const events = capturedEvents();
    const bus = new EventBus({ ring: events.length });
    const live = publishAll(bus, events);
    const replay = bus.ring.since(0).entries;
    for (const entry of replay) {
      const sent = live.get(entry.seq)!;
      expect(entry.json()).toBe(sent.json);
      expect(new TextDecoder().decode(entry.sseFrame())).toBe(sent.sse);
    }
    const original = events[events.length - 1]!;
    const restored = replay[replay.length - 1]!.message!;
    expect(restored.name).toBe(original.name);
    expect(restored.kind).toBe("event");
    expect(restored.headers).toEqual(original.headers);
  });

  test("filters that read headers still choose what a resumed subscriber is replayed", () => {
    const events = capturedEvents();
    const bus = new EventBus({ ring: events.length });
    publishAll(bus, events);
    const wanted = (entry: BusEntry) => entry.name === "Newchannel" && entry.message?.get("Context") === "test";
    const expected = events.filter((event) => event.name === "Newchannel" && event.get("Context") === "test").length;
    expect(expected).toBeGreaterThan(0);
    const { subscription, replay } = bus.resume(0, { filter: wanted });
    expect(replay.entries.length).toBe(expected);
    expect(replay.entries.every((entry) => entry.message!.get("Channel") !== undefined)).toBe(true);
    subscription.close();
  });

  test("keeps nothing a replay computed: every replay starts from the stored bytes", () => {
    const bus = new EventBus({ ring: 10 });
    publishAll(bus, capturedEvents().slice(0, 10));
    const first = bus.ring.since(0).entries;
    first.forEach((entry) => entry.sseFrame());
    const second = bus.ring.since(0).entries;
    expect(second.every((entry, i) => entry !== first[i] && entry.message !== first[i]!.message)).toBe(true);
    expect(second.every((entry, i) => entry.message!.bytes === first[i]!.message!.bytes)).toBe(true);
  });

  test("eviction releases the evicted frames from its accounting; notices are kept as they are", () => {
    const events = capturedEvents().slice(0, 50);
    const bus = new EventBus({ ring: 8 });
    publishAll(bus, events.slice(0, 45));
    const notice = bus.publishNotice("gap", "pbx1", { reason: "reconnected" });
    publishAll(bus, events.slice(45));
    const held = bus.ring.since(0).entries;
    expect(held.map((entry) => entry.seq)).toEqual([44, 45, 46, 47, 48, 49, 50, 51]);
    expect(bus.ring.heldBytes).toBe(held.reduce((sum, entry) => sum + (entry.message?.bytes.byteLength ?? 0), 0));
    expect(bus.ring.since(45).entries[0]).toBe(notice);
    expect(bus.ring.since(40).missed).toEqual({ from: 41, to: 43 });
  });
});
