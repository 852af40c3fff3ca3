/** The event bus: one sequence across upstreams, bounded subscriber queues, resume from the ring with explicit gaps. */
import { describe, expect, test } from "bun:test";
import { EventBus, type BusEntry } from "../../core/bridge/mod.ts";
import type { AmiMessage } from "../../core/message.ts";
import { decodeAll } from "../../core/decoder.ts";

const encoder = new TextEncoder();

function event(name: string, extra = ""): AmiMessage {
  const [message] = decodeAll(encoder.encode(`Event: ${name}\r\nPrivilege: call,all\r\n${extra}\r\n`)).messages;
  return message!;
}

function drain(take: () => BusEntry | undefined): BusEntry[] {
  const out: BusEntry[] = [];
  for (let entry = take(); entry; entry = take()) out.push(entry);
  return out;
}

describe("event bus", () => {
  test("numbers events and notices from every upstream with one contiguous sequence", () => {
    const bus = new EventBus();
    const sub = bus.subscribe();
    bus.publishEvent("a", event("Newchannel"));
    bus.publishNotice("upstream", "b", { state: "ready" });
    bus.publishEvent("b", event("Hangup"));
    expect(drain(() => sub.take()).map((e) => [e.seq, e.server, e.type, e.name])).toEqual([
      [1, "a", "event", "Newchannel"],
      [2, "b", "upstream", "upstream"],
      [3, "b", "event", "Hangup"],
    ]);
  });

  test("serialises an entry once, as JSON and as an SSE frame, whatever the number of subscribers", () => {
    const bus = new EventBus();
    const subs = [bus.subscribe(), bus.subscribe()];
    bus.publishEvent("pbx1", event("Hangup", "Channel: Local/100@default-0001;1\r\n"));
    const [a, b] = subs.map((s) => s.take()!);
    expect(a).toBe(b!);
    expect(a!.json()).toBe(a!.json());
    expect(JSON.parse(a!.json())).toMatchObject({ type: "event", seq: 1, server: "pbx1", name: "Hangup", headers: { Event: "Hangup", Channel: "Local/100@default-0001;1" } });
    expect(new TextDecoder().decode(a!.sseFrame())).toBe(`id: 1\ndata: ${a!.json()}\n\n`);
    expect(a!.sseFrame()).toBe(b!.sseFrame());
  });

  test("notices carry their type as the SSE event name", () => {
    const bus = new EventBus();
    const entry = bus.publishNotice("gap", "pbx1", { reason: "reconnected" });
    expect(new TextDecoder().decode(entry.sseFrame())).toBe(`id: 1\nevent: gap\ndata: ${entry.json()}\n\n`);
    expect(JSON.parse(entry.json())).toMatchObject({ type: "gap", server: "pbx1", reason: "reconnected" });
  });

  test("a full queue with drop-oldest keeps the newest entries and counts the rest", () => {
    const bus = new EventBus();
    const sub = bus.subscribe({ capacity: 3, overflow: "drop-oldest" });
    for (let i = 0; i < 10; i++) bus.publishEvent("a", event(`E${i}`));
    expect(sub.dropped).toBe(7);
    expect(drain(() => sub.take()).map((e) => e.name)).toEqual(["E7", "E8", "E9"]);
  });

  test("a full queue with close cuts the subscriber off and frees it; the others get everything", () => {
    const bus = new EventBus();
    const stalled = bus.subscribe({ capacity: 4, overflow: "close", kind: "sse" });
    const reader = bus.subscribe({ kind: "sse" });
    const got: string[] = [];
    for (let i = 0; i < 20; i++) {
      bus.publishEvent("a", event(`E${i}`));
      for (let e = reader.take(); e; e = reader.take()) got.push(e.name);
    }
    expect(stalled.closeReason).toBe("overflow");
    expect(stalled.depth).toBe(0);
    expect(got).toHaveLength(20);
    expect(bus.subscriberCount).toBe(1);
    expect(bus.kindStats().get("sse")).toMatchObject({ subscribers: 1, delivered: 20, cutOff: 1, dropped: 1 });
  });

  test("onWake fires when the queue becomes non-empty, not for every entry", () => {
    const bus = new EventBus();
    const sub = bus.subscribe();
    let wakes = 0;
    sub.onWake = () => wakes++;
    bus.publishEvent("a", event("A"));
    bus.publishEvent("a", event("B"));
    expect(wakes).toBe(1);
    drain(() => sub.take());
    bus.publishEvent("a", event("C"));
    expect(wakes).toBe(2);
  });

  test("filters run per subscriber; a filter that throws only excludes", () => {
    const bus = new EventBus();
    const hangups = bus.subscribe({ filter: (e) => e.name === "Hangup" });
    const broken = bus.subscribe({
      filter: () => {
        throw new Error("bad filter");
      },
    });
    bus.publishEvent("a", event("Newchannel"));
    bus.publishEvent("a", event("Hangup"));
    expect(drain(() => hangups.take()).map((e) => e.seq)).toEqual([2]);
    expect(broken.depth).toBe(0);
  });

  test("resume replays exactly what came after the id, then goes live without a hole", () => {
    const bus = new EventBus({ ring: 100 });
    for (let i = 1; i <= 10; i++) bus.publishEvent("a", event(`E${i}`));
    const { subscription, replay } = bus.resume(7);
    expect(replay.entries.map((e) => e.seq)).toEqual([8, 9, 10]);
    expect(replay.missed).toBeUndefined();
    bus.publishEvent("a", event("E11"));
    expect(subscription.take()!.seq).toBe(11);
  });

  test("an id older than the ring gives an explicit missed range", () => {
    const bus = new EventBus({ ring: 5 });
    for (let i = 1; i <= 20; i++) bus.publishEvent("a", event(`E${i}`));
    const { replay } = bus.resume(3);
    expect(replay.missed).toEqual({ from: 4, to: 15 });
    expect(replay.entries.map((e) => e.seq)).toEqual([16, 17, 18, 19, 20]);
  });

  test("an id newer than anything sent came from an earlier run: reset, and this run is replayed", () => {
    const bus = new EventBus({ ring: 5 });
    bus.publishEvent("a", event("E1"));
    const { replay } = bus.resume(900);
    expect(replay.reset).toBe(true);
    expect(replay.entries.map((e) => e.seq)).toEqual([1]);
  });

  test("replay honours the subscriber's filter", () => {
    const bus = new EventBus();
    bus.publishEvent("a", event("Newchannel"));
    bus.publishEvent("b", event("Hangup"));
    const { replay } = bus.resume(0, { filter: (e) => e.server === "b" });
    expect(replay.entries.map((e) => e.seq)).toEqual([2]);
  });

  test("refuses subscribers past the limit, and accepts again once one leaves", () => {
    const bus = new EventBus({ maxSubscribers: 2 });
    const first = bus.subscribe();
    bus.subscribe();
    expect(() => bus.subscribe()).toThrow("at most 2 subscribers");
    first.close();
    expect(() => bus.subscribe()).not.toThrow();
  });

  test("a ring of 0 keeps nothing and says every resume missed something", () => {
    const bus = new EventBus({ ring: 0 });
    bus.publishEvent("a", event("A"));
    bus.publishEvent("a", event("B"));
    expect(bus.resume(0).replay).toEqual({ entries: [], missed: { from: 1, to: 2 } });
  });

  test("memory stays bounded: a ring of 1000 holds 1000 entries after 50 000 publishes", () => {
    const bus = new EventBus({ ring: 1000 });
    const sub = bus.subscribe({ capacity: 100, overflow: "drop-oldest" });
    for (let i = 0; i < 50_000; i++) bus.publishEvent("a", event("E"));
    expect(bus.resume(0).replay.entries).toHaveLength(1000);
    expect(sub.depth).toBe(100);
    expect(sub.dropped).toBe(49_900);
  });
});
