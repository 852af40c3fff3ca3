/**
 * Streams that end before their first byte: HEAD, a client gone before it read anything, refused
 * WebSocket upgrades. Each must give its place at the subscriber limit back.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { waitUntil } from "../../support/bridge.ts";
import { rawExchange, sendAndVanish } from "../../support/raw-http.ts";
import { runtimeName } from "../../support/runtime.ts";
import { ALL, closeBridges, openSse, startEventsBridge } from "./helpers.ts";

afterEach(closeBridges);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe(`events plugin: streams that end early (${runtimeName})`, () => {
  test("50 HEADs with maxSubscribers 5 take no place: GET /v1/events still streams afterwards", async () => {
    const tb = await startEventsBridge({}, { events: { maxSubscribers: 5 } });
    const baseline = tb.bridge.bus.subscriberCount;
    for (let i = 0; i < 50; i++) {
      const response = await fetch(`${tb.baseUrl}/v1/events`, { method: "HEAD", headers: { authorization: `Bearer ${ALL}` } });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/event-stream");
      await response.body?.cancel();
    }
    expect(tb.bridge.bus.subscriberCount).toBe(baseline);
    // openSse throws unless the answer is a 200 event stream.
    const { reader } = await openSse(tb);
    expect(tb.bridge.bus.subscriberCount).toBe(baseline + 1);
    await reader.cancel();
    await waitUntil(() => tb.bridge.bus.subscriberCount === baseline);
  });

  test("a HEAD over a raw socket gets the stream's headers and no body", async () => {
    const tb = await startEventsBridge({}, { events: { maxSubscribers: 2 } });
    for (let i = 0; i < 10; i++) {
      const answer = await rawExchange(tb.runtime, tb.server.port, `HEAD /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ALL}\r\nConnection: close\r\n\r\n`, { head: true });
      expect(answer.status).toBe(200);
      expect(answer.headers["content-type"]).toBe("text/event-stream");
    }
    await sleep(50);
    expect(tb.bridge.bus.subscriberCount).toBe(0);
  });

  test("clients that send GET /v1/events and vanish before reading give their places back", async () => {
    const tb = await startEventsBridge({}, { events: { maxSubscribers: 3 } });
    const request = `GET /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ALL}\r\n\r\n`;
    for (let i = 0; i < 12; i++) await sendAndVanish(tb.runtime, tb.server.port, request, i % 2 === 0 ? 0 : 20);
    await waitUntil(() => tb.bridge.bus.subscriberCount === 0, 3000);
    const { reader } = await openSse(tb);
    expect(tb.bridge.bus.subscriberCount).toBe(1);
    await reader.cancel();
  });

  test("refused and broken WebSocket upgrades on /v1/events/ws hold no subscription", async () => {
    const tb = await startEventsBridge({}, { events: { maxSubscribers: 2 } });
    const head = (extra: string) => `GET /v1/events/ws?access_token=${ALL} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${extra}\r\n`;
    for (let i = 0; i < 6; i++) {
      // A bad key, a missing key and a wrong version: the handshake fails after the route said yes.
      for (const extra of ["Sec-WebSocket-Key: bad\r\nSec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 7\r\n"]) {
        const answer = await rawExchange(tb.runtime, tb.server.port, head(extra));
        expect(answer.status).toBeGreaterThanOrEqual(400);
      }
      // A good handshake whose client vanishes before reading the 101.
      await sendAndVanish(tb.runtime, tb.server.port, head("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"));
    }
    await waitUntil(() => tb.bridge.bus.subscriberCount === 0, 3000);
    const { reader } = await openSse(tb);
    expect(tb.bridge.bus.subscriberCount).toBe(1);
    await reader.cancel();
  });
});
