/**
 * The Workers adapter end to end under real workerd (spawned as a child process, so every test
 * runtime runs it), against the simulated PBX in this process: with the `AmiUpstream` Durable
 * Object an action and an SSE stream with resume, over `cloudflare:sockets` (ami://) and over
 * AMI-over-HTTP fetch (http://…/rawman); without it, an action on a bridge of its own
 * (connect, MD5 login, send, log off) and a clear refusal of event streams.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SimulatedPbx } from "../../core/sim/mod.ts";
import { SseReader } from "../support/sse.ts";
import { openWebSocket } from "../support/websocket-client.ts";
import { currentRuntime } from "../support/runtime.ts";
import { startWorkerd, type Workerd } from "../support/workerd.ts";

const runtime = await currentRuntime();
const TOKEN = "edge-test-token-0123456789abcdef";
const auth = { authorization: `Bearer ${TOKEN}` };
let pbx: SimulatedPbx;
let tcpUrl: string;
let httpUrl: string;
let withObjects: Workerd;
let alone: Workerd;

beforeAll(async () => {
  pbx = new SimulatedPbx({ listen: runtime.listen, serve: runtime.serve, authFailureDelayMs: 20, callTiming: { setupMs: 1, answerMs: 5, talkMs: 20, longCallMs: 10_000 } });
  tcpUrl = `ami://hello:world@127.0.0.1:${(await pbx.start()).port}`;
  httpUrl = `http://hello:world@127.0.0.1:${(await pbx.startHttp()).port}/rawman`;
  const config = JSON.stringify({ upstreams: [{ name: "tcp", url: tcpUrl }, { name: "web", url: httpUrl }] });
  [withObjects, alone] = await Promise.all([
    startWorkerd(runtime, { durableObjects: true, bindings: { AMIBRIDGE_CONFIG: config, AMIBRIDGE_TOKEN: TOKEN } }),
    startWorkerd(runtime, { durableObjects: false, bindings: { AMI_URL: tcpUrl, AMIBRIDGE_TOKEN: TOKEN } }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([withObjects?.stop(), alone?.stop()]);
  await pbx.close();
});

async function action(base: string, name: string, server?: string, body: unknown = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const query = server ? `?server=${server}` : "";
  const response = await fetch(`${base}/v1/actions/${name}${query}`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function emit(index: number): void {
  pbx.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "Edge", Index: String(index) });
}

for (const server of ["tcp", "web"]) {
  describe(`under workerd, with the Durable Object, upstream ${server}`, () => {
    test("an action through the object's AMI session", async () => {
      const ping = await action(withObjects.base, "Ping", server);
      expect(ping.status).toBe(200);
      expect(ping.json).toMatchObject({ ok: true, server, response: { Ping: "Pong" } });
      const version = await action(withObjects.base, "Command", server, { Command: "core show version" });
      expect(version.status).toBe(403);
    }, 20_000);

    test("an SSE stream of the upstream's events, then a resume with Last-Event-ID from the object's bus", async () => {
      const open = (headers: Record<string, string> = {}) => fetch(`${withObjects.base}/v1/events?server=${server}&events=UserEvent`, { headers: { ...auth, ...headers } });
      const first = await open();
      expect(first.status).toBe(200);
      expect(first.headers.get("content-type")).toContain("text/event-stream");
      const reader = new SseReader(first.body!);
      const base = server === "tcp" ? 100 : 200;
      // The response has started: the object's bus has this subscriber.
      for (let i = 1; i <= 3; i++) emit(base + i);
      const live: string[] = [];
      while (live.length < 3) live.push(JSON.parse((await reader.next(5000))!.data).headers.Index as string);
      expect(live).toEqual([base + 1, base + 2, base + 3].map(String));
      const resumeFrom = reader.lastEventId;
      await reader.cancel();
      emit(base + 4);
      emit(base + 5);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const again = new SseReader((await open({ "last-event-id": resumeFrom })).body!);
      const replayed: string[] = [];
      while (replayed.length < 2) replayed.push(JSON.parse((await again.next(5000))!.data).headers.Index as string);
      expect(replayed).toEqual([String(base + 4), String(base + 5)]);
      await again.cancel();
    }, 30_000);
  });
}

describe("under workerd, with the Durable Object: WebSocket", () => {
  test("a WebSocket subscriber of the object's bus gets the upstream's events", async () => {
    const ws = await openWebSocket(`${withObjects.base.replace("http", "ws")}/v1/events/ws?server=tcp&events=UserEvent&access_token=${TOKEN}`);
    // Its first frames may already be events of earlier tests: read until the ones emitted now.
    await new Promise((resolve) => setTimeout(resolve, 200));
    emit(900);
    emit(901);
    const seen: string[] = [];
    while (!seen.includes("901")) {
      const entry = JSON.parse(await ws.nextMessage()) as { type: string; headers?: Record<string, string> };
      if (entry.type === "event") seen.push(entry.headers!.Index!);
    }
    expect(seen.slice(-2)).toEqual(["900", "901"]);
    ws.socket.close();
  }, 20_000);
});

describe("under workerd, with the Durable Object: routing", () => {
  test("an events stream without ?server= over several upstreams is a 400 naming them", async () => {
    const response = await fetch(`${withObjects.base}/v1/events`, { headers: auth });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { detail: string }).detail).toContain("tcp, web");
  });

  test("a token is still required at the edge", async () => {
    const response = await fetch(`${withObjects.base}/v1/actions/Ping?server=tcp`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(response.status).toBe(401);
  });
});

describe("under workerd, without a Durable Object", () => {
  test("each action gets a bridge of its own: connect, log in, send, log off", async () => {
    const before = pbx.sessions.length;
    const ping = await action(alone.base, "Ping");
    expect(ping.status).toBe(200);
    expect(ping.json).toMatchObject({ ok: true, response: { Ping: "Pong" } });
    const list = await action(alone.base, "CoreShowChannels");
    expect(list.json).toMatchObject({ ok: true, complete: { Event: "CoreShowChannelsComplete" } });
    // Logged off after each: no session of these requests stays.
    const deadline = Date.now() + 3000;
    while (pbx.sessions.length > before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pbx.sessions.length).toBe(before);
    // MD5 by default: the bridge's log shows the login, and the secret appears nowhere.
    expect(alone.output()).toContain("ready");
    expect(alone.output()).not.toContain("world");
  }, 20_000);

  test("event streams say they need the Durable Object", async () => {
    const response = await fetch(`${alone.base}/v1/events`, { headers: auth });
    expect(response.status).toBe(501);
    expect(((await response.json()) as { detail: string }).detail).toContain("AMI_UPSTREAM");
  });
});
