/** `GET /v1/events/ws` with real WebSocket clients: delivery, resume, refusals, client messages, shutdown. */
import { afterEach, describe, expect, test } from "bun:test";
import { waitUntil } from "../../support/bridge.ts";
import { runtimeName } from "../../support/runtime.ts";
import { rawWebSocket } from "../../support/websocket-client.ts";
import { ALL, closeBridges, emitUserEvents, openEventsSocket, openSse, parse, startEventsBridge } from "./helpers.ts";

afterEach(closeBridges);

describe(`events plugin: WebSocket (${runtimeName})`, () => {
  test("an event from the PBX arrives as one JSON message with its server and headers", async () => {
    const tb = await startEventsBridge({}, { servers: ["pbx1", "pbx2"] });
    const client = await openEventsSocket(tb, "events=UserEvent&server=pbx2");
    tb.pbxs.get("pbx1")!.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "Hello", Index: "1" });
    tb.pbxs.get("pbx2")!.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "Hello", Index: "2" });
    const entry = parse(await client.nextMessage());
    expect(entry).toMatchObject({ type: "event", server: "pbx2", name: "UserEvent", headers: { UserEvent: "Hello", Index: "2" } });
    expect(entry.seq).toBeGreaterThan(0);
    client.socket.close();
    await client.closed;
    await waitUntil(() => tb.bridge.bus.subscriberCount === 0);
  });

  test("?lastEventId= replays what the ring holds, after an explicit gap for what it does not", async () => {
    const tb = await startEventsBridge({}, { events: { ring: 5 } });
    const last = tb.bridge.bus.latestSeq;
    await emitUserEvents(tb, 8);
    const latest = tb.bridge.bus.latestSeq;
    const client = await openEventsSocket(tb, `lastEventId=${last}`);
    expect(parse(await client.nextMessage())).toEqual({ type: "gap", reason: "evicted", from: last + 1, to: latest - 5 });
    const replayed: number[] = [];
    for (let i = 0; i < 5; i++) replayed.push(parse(await client.nextMessage()).seq!);
    expect(replayed).toEqual([latest - 4, latest - 3, latest - 2, latest - 1, latest]);
    await emitUserEvents(tb, 1, { start: 99 });
    expect(parse(await client.nextMessage()).headers!["Index"]).toBe("99");
    client.socket.close();
  });

  test("messages from the client are ignored", async () => {
    const tb = await startEventsBridge();
    const client = await openEventsSocket(tb, "events=UserEvent");
    client.socket.send("hello?");
    client.socket.send(new Uint8Array([1, 2, 3]));
    client.socket.send('{"type":"subscribe"}');
    await emitUserEvents(tb, 1, { start: 7 });
    expect(parse(await client.nextMessage()).headers!["Index"]).toBe("7");
    expect(tb.bridge.bus.subscriberCount).toBe(1);
    client.socket.close();
  });

  test("a plain GET is a 426 problem; so is a server that cannot upgrade", async () => {
    const tb = await startEventsBridge();
    const plain = await fetch(`${tb.baseUrl}/v1/events/ws`, { headers: { authorization: `Bearer ${ALL}` } });
    expect(plain.status).toBe(426);
    expect(plain.headers.get("content-type")).toBe("application/problem+json");
    expect(plain.headers.get("upgrade")).toBe("websocket");
    await plain.body?.cancel();
    // Called without the server's request info (no upgradeWebSocket), as a test or embedder might.
    const direct = await tb.bridge.fetch(new Request(`${tb.baseUrl}/v1/events/ws`, { headers: { authorization: `Bearer ${ALL}`, upgrade: "websocket", connection: "Upgrade" } }));
    expect(direct.status).toBe(426);
  });

  test("refusals before the upgrade are HTTP answers: 401, 400 for a bad filter, 503 at the limit", async () => {
    const tb = await startEventsBridge({}, { events: { maxSubscribers: 1 } });
    const head = async (path: string) => {
      const raw = await rawWebSocket(tb.runtime, tb.server.port, path);
      await raw.transport.close();
      return raw.response;
    };
    expect(await head("/v1/events/ws")).toStartWith("HTTP/1.1 401");
    expect(await head(`/v1/events/ws?access_token=${ALL}&match=Channel`)).toStartWith("HTTP/1.1 400");
    expect(await head(`/v1/events/ws?access_token=${ALL}&lastEventId=x`)).toStartWith("HTTP/1.1 400");
    const sse = await openSse(tb);
    const full = await head(`/v1/events/ws?access_token=${ALL}`);
    expect(full).toStartWith("HTTP/1.1 503");
    expect(full.toLowerCase()).toContain("retry-after: 5");
    await sse.reader.cancel();
  });

  test("shutdown closes open sockets with 1001", async () => {
    const tb = await startEventsBridge();
    const client = await openEventsSocket(tb);
    const started = Date.now();
    const closing = tb.close();
    expect((await client.closed).code).toBe(1001);
    expect(Date.now() - started).toBeLessThan(400);
    await closing;
  });
});
