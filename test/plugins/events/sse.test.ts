/** `GET /v1/events` over real HTTP: delivery, resume, gaps, heartbeat, auth, limits and shutdown. */
import { afterEach, describe, expect, test } from "bun:test";
import { runtimeName } from "../../support/runtime.ts";
import { waitUntil } from "../../support/bridge.ts";
import { ALL, closeBridges, emitUserEvents, openSse, parse, startEventsBridge } from "./helpers.ts";

afterEach(closeBridges);

describe(`events plugin: SSE (${runtimeName})`, () => {
  test("an event from the PBX arrives with its id, server and headers", async () => {
    const tb = await startEventsBridge();
    const { response, reader } = await openSse(tb, "events=UserEvent");
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    tb.pbxs.get("pbx1")!.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "Hello", Answer: "42" });
    const message = (await reader.next())!;
    expect(reader.retry).toBe(2000);
    // AMI events are unnamed, so EventSource.onmessage gets them.
    expect(message.event).toBe("message");
    const entry = parse(message.data);
    expect(message.id).toBe(String(entry.seq));
    expect(entry).toMatchObject({ type: "event", server: "pbx1", name: "UserEvent", headers: { Event: "UserEvent", UserEvent: "Hello", Answer: "42" } });
    await reader.cancel();
  });

  test("two upstreams: each event carries its server's name, and server= selects", async () => {
    const tb = await startEventsBridge({}, { servers: ["pbx1", "pbx2"] });
    const all = await openSse(tb, "events=UserEvent");
    const only2 = await openSse(tb, "events=UserEvent&server=pbx2");
    await emitUserEvents(tb, 1, { server: "pbx1", start: 1 });
    await emitUserEvents(tb, 1, { server: "pbx2", start: 2 });
    const seen = (await all.reader.take(2)).map((m) => parse(m.data));
    expect(seen.map((e) => `${e.server}:${e.headers!["Index"]}`).sort()).toEqual(["pbx1:1", "pbx2:2"]);
    const filtered = parse((await only2.reader.next())!.data);
    expect(filtered).toMatchObject({ server: "pbx2", headers: { Index: "2" } });
    await Promise.all([all.reader.cancel(), only2.reader.cancel()]);
  });

  test("Last-Event-ID replays exactly the missed events, then goes live", async () => {
    const tb = await startEventsBridge();
    const first = await openSse(tb, "events=UserEvent");
    await emitUserEvents(tb, 1, { start: 0 });
    const seen = (await first.reader.next())!;
    await first.reader.cancel();
    await waitUntil(() => tb.bridge.bus.subscriberCount === 0);
    await emitUserEvents(tb, 3, { start: 1 });

    const again = await openSse(tb, "events=UserEvent", { "last-event-id": first.reader.lastEventId });
    expect(first.reader.lastEventId).toBe(seen.id!);
    const replayed = (await again.reader.take(3)).map((m) => parse(m.data));
    expect(replayed.map((e) => e.headers!["Index"])).toEqual(["1", "2", "3"]);
    await emitUserEvents(tb, 1, { start: 4 });
    expect(parse((await again.reader.next())!.data).headers!["Index"]).toBe("4");
    await again.reader.cancel();
  });

  test("a replay bigger than one chunk arrives whole and in order", async () => {
    const tb = await startEventsBridge();
    const start = tb.bridge.bus.latestSeq;
    const pad = "x".repeat(4096);
    await tb.pbxs.get("pbx1")!.flood({ count: 150, headers: (i) => [["UserEvent", "Big"], ["Index", String(i)], ["Pad", pad]] });
    await waitUntil(() => tb.bridge.bus.published.event >= 150);
    const { reader } = await openSse(tb, "events=UserEvent", { "last-event-id": String(start) });
    const indexes = (await reader.take(150)).map((m) => Number(parse(m.data).headers!["Index"]));
    expect(indexes).toEqual(Array.from({ length: 150 }, (_, i) => i));
    await reader.cancel();
  });

  test("?lastEventId= resumes a first connection, and the Last-Event-ID header wins over it", async () => {
    const tb = await startEventsBridge();
    const start = tb.bridge.bus.latestSeq;
    await emitUserEvents(tb, 3);
    // Other entries (late login events, notices) may interleave: take the user events' own ids.
    const ids = tb.bridge.bus.ring.since(start).entries.filter((e) => e.name === "UserEvent").map((e) => String(e.seq));
    const byQuery = await openSse(tb, `events=UserEvent&lastEventId=${ids[0]}`);
    expect((await byQuery.reader.take(2)).map((m) => m.id)).toEqual([ids[1], ids[2]]);
    const byHeader = await openSse(tb, `events=UserEvent&lastEventId=${start}`, { "last-event-id": ids[1]! });
    expect((await byHeader.reader.next())!.id).toBe(ids[2]);
    await Promise.all([byQuery.reader.cancel(), byHeader.reader.cancel()]);
  });

  test("a range evicted from the ring is announced as an explicit gap", async () => {
    const tb = await startEventsBridge({}, { events: { ring: 5 } });
    const last = tb.bridge.bus.latestSeq;
    await emitUserEvents(tb, 10);
    const latest = tb.bridge.bus.latestSeq;
    const { reader } = await openSse(tb, "", { "last-event-id": String(last) });
    const gap = (await reader.next())!;
    expect(gap.event).toBe("gap");
    expect(gap.id).toBeUndefined();
    expect(JSON.parse(gap.data)).toEqual({ type: "gap", reason: "evicted", from: last + 1, to: latest - 5 });
    const replayed = await reader.take(5);
    expect(replayed.map((m) => Number(m.id))).toEqual([latest - 4, latest - 3, latest - 2, latest - 1, latest]);
    await reader.cancel();
  });

  test("an id from the future (an earlier run) gives a restarted gap, then this run's entries", async () => {
    const tb = await startEventsBridge();
    await emitUserEvents(tb, 2);
    // Notices pass name filters; types= keeps this to events (the resume gap is always sent).
    const { reader } = await openSse(tb, "events=UserEvent&types=event", { "last-event-id": "999999" });
    const gap = (await reader.next())!;
    expect(gap.event).toBe("gap");
    expect(JSON.parse(gap.data)).toEqual({ type: "gap", reason: "restarted" });
    expect((await reader.take(2)).map((m) => parse(m.data).headers!["Index"])).toEqual(["0", "1"]);
    await reader.cancel();
  });

  test("a bad Last-Event-ID or lastEventId is a 400 naming it", async () => {
    const tb = await startEventsBridge();
    const auth = { authorization: `Bearer ${ALL}` };
    const byHeader = await fetch(`${tb.baseUrl}/v1/events`, { headers: { ...auth, "last-event-id": "abc" } });
    expect(byHeader.status).toBe(400);
    expect(byHeader.headers.get("content-type")).toBe("application/problem+json");
    const body = (await byHeader.json()) as { detail: string; field: string };
    expect(body.field).toBe("Last-Event-ID");
    expect(body.detail).toBe('Last-Event-ID: expected a non-negative integer (the id of an entry this bridge sent), got "abc"');
    const byQuery = await fetch(`${tb.baseUrl}/v1/events?lastEventId=-1`, { headers: auth });
    expect(byQuery.status).toBe(400);
    expect(((await byQuery.json()) as { field: string }).field).toBe("lastEventId");
  });

  test("an idle stream gets a heartbeat comment", async () => {
    const tb = await startEventsBridge({ heartbeatMs: 30 });
    const { reader } = await openSse(tb, "events=NoSuchEvent");
    expect(await reader.nextComment()).toBe("ping");
    await reader.cancel();
  });

  test("without a token: 401", async () => {
    const tb = await startEventsBridge();
    const response = await fetch(`${tb.baseUrl}/v1/events`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
    await response.body?.cancel();
    expect(tb.bridge.bus.subscriberCount).toBe(0);
  });

  test("the token may come as ?access_token= (EventSource cannot send headers)", async () => {
    const tb = await startEventsBridge();
    const response = await fetch(`${tb.baseUrl}/v1/events?access_token=${ALL}`);
    expect(response.status).toBe(200);
    await response.body!.cancel();
  });

  test("a client that goes away closes its subscription", async () => {
    const tb = await startEventsBridge();
    const { reader } = await openSse(tb);
    expect(tb.bridge.bus.subscriberCount).toBe(1);
    expect(tb.bridge.pluginHealth()).toContainEqual({ name: "events", state: "running", subscribers: { sse: 1, ws: 0 } });
    await reader.cancel();
    await waitUntil(() => tb.bridge.bus.subscriberCount === 0);
  });

  test("at the subscriber limit: 503 with Retry-After", async () => {
    const tb = await startEventsBridge({}, { events: { maxSubscribers: 1 } });
    const first = await openSse(tb);
    const second = await fetch(`${tb.baseUrl}/v1/events`, { headers: { authorization: `Bearer ${ALL}` } });
    expect(second.status).toBe(503);
    expect(second.headers.get("retry-after")).toBe("5");
    expect(((await second.json()) as { detail: string }).detail).toContain("at most 1 subscribers");
    await first.reader.cancel();
  });

  test("shutdown ends open streams promptly", async () => {
    const tb = await startEventsBridge();
    const a = await openSse(tb);
    const b = await openSse(tb, "events=UserEvent");
    const started = Date.now();
    const closing = tb.close();
    expect(await a.reader.ended(1000)).toBe(true);
    expect(await b.reader.ended(1000)).toBe(true);
    // Well within the 500 ms grace the test bridge gives the HTTP server: the plugin ended them.
    expect(Date.now() - started).toBeLessThan(400);
    await closing;
  });
});
