/** The WebSocket pump on its own, against a fake socket whose `bufferedAmount` the test controls. */
import { describe, expect, test } from "bun:test";
import { EventBus } from "../../../core/bridge/bus.ts";
import type { OverflowPolicy } from "../../../core/bridge/subscription.ts";
import { AmiMessage } from "../../../core/message.ts";
import type { ServerWebSocket } from "../../../core/ports.ts";
import { pumpToSocket } from "../../../plugins/events/websocket.ts";
import { waitUntil } from "../../support/bridge.ts";
import { runtimeName } from "../../support/runtime.ts";

/** A server socket that records what it is sent and reports whatever backlog the test sets. */
class FakeSocket implements ServerWebSocket {
  readonly sent: string[] = [];
  closed: { code: number | undefined; reason: string | undefined } | undefined;
  bufferedAmount = 0;
  send(data: string): void {
    if (!this.closed) this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closed ??= { code, reason };
  }
  /** Sent messages, parsed. */
  entries(): { type: string; seq?: number; count?: number; reason?: string }[] {
    return this.sent.map((text) => JSON.parse(text));
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup(overflow: OverflowPolicy, capacity = 4) {
  const bus = new EventBus({ ring: 100 });
  const socket = new FakeSocket();
  const subscription = bus.subscribe({ capacity, overflow, kind: "ws" });
  const publish = (count: number) => {
    for (let i = 0; i < count; i++) bus.publishEvent("pbx1", AmiMessage.from([["Event", "UserEvent"], ["Privilege", "user,all"]]));
  };
  return { bus, socket, subscription, publish };
}

describe(`events plugin: WebSocket pump (${runtimeName})`, () => {
  test("sends entries as they come, as JSON text", async () => {
    const { socket, subscription, publish } = setup("drop-oldest");
    pumpToSocket(socket, subscription, { entries: [] }, { maxBufferedBytes: 100 });
    publish(3);
    await tick();
    expect(socket.entries().map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(subscription.depth).toBe(0);
  });

  test("a backed-up socket is not sent to; drop-oldest then reports the count before the rest", async () => {
    const { socket, subscription, publish } = setup("drop-oldest");
    pumpToSocket(socket, subscription, { entries: [] }, { maxBufferedBytes: 100, recheckMs: 5 });
    publish(1);
    await tick();
    socket.bufferedAmount = 1000;
    publish(10);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Nothing more was sent: the entries wait in the bounded queue, the oldest dropped.
    expect(socket.sent.length).toBe(1);
    expect([subscription.depth, subscription.dropped]).toEqual([4, 6]);
    socket.bufferedAmount = 0;
    await waitUntil(() => socket.sent.length === 6);
    expect(socket.entries().slice(1)).toEqual([
      { type: "gap", reason: "dropped", count: 6 },
      ...[8, 9, 10, 11].map((seq) => expect.objectContaining({ type: "event", seq })),
    ]);
    expect(socket.closed).toBeUndefined();
  });

  test("with the close policy an overflowing subscriber is closed with 1013 and counted as cut off", async () => {
    const { bus, socket, subscription, publish } = setup("close");
    pumpToSocket(socket, subscription, { entries: [] }, { maxBufferedBytes: 100, recheckMs: 5 });
    socket.bufferedAmount = 1000;
    publish(5);
    expect(socket.closed).toEqual({ code: 1013, reason: "subscriber too slow" });
    expect(bus.subscriberCount).toBe(0);
    expect(bus.kindStats().get("ws")!.cutOff).toBe(1);
    await tick();
    expect(socket.sent).toEqual([]);
  });

  test("the prelude (gap notice, then replay) goes before live entries", async () => {
    const { bus, socket, publish } = setup("drop-oldest");
    publish(3);
    const { subscription, replay } = bus.resume(1);
    pumpToSocket(socket, subscription, { gap: '{"type":"gap","reason":"restarted"}', entries: replay.entries }, { maxBufferedBytes: 100 });
    publish(1);
    await tick();
    expect(socket.entries().map((e) => e.seq ?? e.reason)).toEqual(["restarted", 2, 3, 4]);
  });

  test("shutdown closes the socket with 1001; the stop function closes the subscription", async () => {
    const first = setup("drop-oldest");
    pumpToSocket(first.socket, first.subscription, { entries: [] }, { maxBufferedBytes: 100 });
    first.bus.closeAll();
    expect(first.socket.closed).toEqual({ code: 1001, reason: "bridge shutting down" });

    const second = setup("drop-oldest");
    const stop = pumpToSocket(second.socket, second.subscription, { entries: [] }, { maxBufferedBytes: 100, recheckMs: 5 });
    second.socket.bufferedAmount = 1000;
    second.publish(2);
    stop();
    expect(second.subscription.closeReason).toBe("unsubscribed");
    // Stopped for good: no timer sends to a closed socket later.
    second.socket.bufferedAmount = 0;
    await new Promise((resolve) => setTimeout(resolve, 15));
    expect(second.socket.sent).toEqual([]);
    expect(second.socket.closed).toBeUndefined();
  });
});
