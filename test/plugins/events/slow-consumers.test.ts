/**
 * Stalled subscribers on real sockets: a client that stops reading (a raw TCP connection that is
 * never read, so the kernel buffers fill for real) is cut off or loses the oldest entries, while
 * a reading subscriber on the same bridge receives every event in order.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { Transport } from "../../../core/ports.ts";
import type { TestBridge } from "../../support/bridge.ts";
import { waitUntil } from "../../support/bridge.ts";
import { runtimeName } from "../../support/runtime.ts";
import { rawWebSocket } from "../../support/websocket-client.ts";
import { ALL, closeBridges, openSse, parse, startEventsBridge } from "./helpers.ts";

afterEach(closeBridges);

/** Big events fill socket buffers with few of them. */
const PAD = "x".repeat(4096);
const ROUND = 400;

/**
 * Floods rounds of padded UserEvents numbered from 0 until `done` holds; returns how many were
 * sent. `ratePerSecond` paces it, for when a reader in this same process must keep up.
 */
async function floodUntil(tb: TestBridge, done: () => boolean, ratePerSecond?: number, maxRounds = 25): Promise<number> {
  let sent = 0;
  for (let round = 0; round < maxRounds && !done(); round++) {
    const base = sent;
    await tb.pbxs.get("pbx1")!.flood({ count: ROUND, ...(ratePerSecond ? { ratePerSecond } : {}), headers: (i) => [["UserEvent", "Flood"], ["Index", String(base + i)], ["Pad", PAD]] });
    sent += ROUND;
    await waitUntil(() => tb.bridge.bus.published.event >= sent);
  }
  if (!done()) throw new Error(`expected the stalled subscriber to fall behind within ${sent} events`);
  return sent;
}

/** Decoded server frames (never masked) of a raw WebSocket: text and close. */
async function* frames(reader: ReadableStreamDefaultReader<Uint8Array>): AsyncGenerator<{ opcode: number; payload: Uint8Array }> {
  let buffer = new Uint8Array(0);
  for (;;) {
    while (buffer.length >= 2) {
      let length = buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) [length, offset] = [(buffer[2]! << 8) | buffer[3]!, 4];
      else if (length === 127) [length, offset] = [Number(new DataView(buffer.buffer, buffer.byteOffset + 2, 8).getBigUint64(0)), 10];
      if (buffer.length < offset + length) break;
      yield { opcode: buffer[0]! & 0x0f, payload: buffer.slice(offset, offset + length) };
      buffer = buffer.slice(offset + length);
    }
    const { value, done } = await reader.read();
    if (done) return;
    const next = new Uint8Array(buffer.length + value.length);
    next.set(buffer);
    next.set(value, buffer.length);
    buffer = next;
  }
}

describe(`events plugin: slow consumers (${runtimeName})`, () => {
  test("a stalled SSE subscriber is cut off while a reading one gets every event in order", async () => {
    const tb = await startEventsBridge({ subscriberQueue: 256 });
    const reading = await openSse(tb, "events=UserEvent");
    const stalled: Transport = await tb.runtime.connect({ hostname: "127.0.0.1", port: tb.server.port });
    const writer = stalled.writable.getWriter();
    await writer.write(new TextEncoder().encode(`GET /v1/events?events=UserEvent HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ALL}\r\n\r\n`));
    await waitUntil(() => tb.bridge.bus.subscriberCount === 2);

    const received: number[] = [];
    const readAll = (async () => {
      for (;;) {
        const message = await reading.reader.next(5000);
        if (!message) return;
        received.push(Number(parse(message.data).headers!["Index"]));
      }
    })();
    const cutOff = () => (tb.bridge.bus.kindStats().get("sse")?.cutOff ?? 0) > 0;
    // 2,000 events/s (8 MB/s): the reader shares this process with the PBX and the bridge, and
    // its 256-entry queue gives it 128 ms of slack, enough while another suite shares the cores.
    const sent = await floodUntil(tb, cutOff, 2000);
    expect(tb.bridge.bus.subscriberCount).toBe(1);
    await waitUntil(() => received.length === sent, 5000);
    expect(received).toEqual(Array.from({ length: sent }, (_, i) => i));
    expect(tb.bridge.bus.kindStats().get("sse")!.cutOff).toBe(1);
    await reading.reader.cancel();
    await readAll;
    await stalled.close();
  }, 20_000);

  for (const policy of ["drop-oldest", "close"] as const) {
    test(`a stalled WebSocket (wsOverflow ${policy}): ${policy === "close" ? "closed with 1013" : "told how many entries it lost"}`, async () => {
      const tb = await startEventsBridge({ subscriberQueue: 32, maxBufferedBytes: 64 * 1024, wsOverflow: policy });
      const raw = await rawWebSocket(tb.runtime, tb.server.port, `/v1/events/ws?access_token=${ALL}&events=UserEvent`);
      expect(raw.response).toStartWith("HTTP/1.1 101");
      await waitUntil(() => tb.bridge.bus.subscriberCount === 1);
      const stats = () => tb.bridge.bus.kindStats().get("ws");
      const sent = await floodUntil(tb, () => (stats()?.dropped ?? 0) > 0);

      // Read again: every event up to the loss, the loss accounted for, then the rest or the close.
      let expected = 0;
      let close: number | undefined;
      for await (const frame of frames(raw.reader)) {
        if (frame.opcode === 8) {
          close = (frame.payload[0]! << 8) | frame.payload[1]!;
          break;
        }
        if (frame.opcode !== 1) continue;
        const entry = parse(new TextDecoder().decode(frame.payload));
        if (entry.type === "gap") {
          expect(entry.reason).toBe("dropped");
          expected += entry["count"] as number;
        } else {
          expect(Number(entry.headers!["Index"])).toBe(expected++);
        }
        if (expected === sent) break;
      }
      if (policy === "close") {
        expect(close).toBe(1013);
        expect(stats()!.cutOff).toBe(1);
      } else {
        expect(expected).toBe(sent);
        expect(stats()!.dropped).toBeGreaterThan(0);
        expect(tb.bridge.bus.subscriberCount).toBe(1);
      }
      await raw.transport.close();
    }, 10_000);
  }
});
