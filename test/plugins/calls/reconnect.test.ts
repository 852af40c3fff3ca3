/**
 * An upstream that drops during a live call: while disconnected the channel registry is stale;
 * after the reconnect its CoreShowChannels rebuilds the table and reconciles the call: still up
 * when Asterisk still has its channel, ended "lost while disconnected" when not, never stuck in
 * "answered". Also two bridges on one Asterisk: neither takes the other's OriginateResponse.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { SimulatedPbx } from "../../../core/sim/mod.ts";
import { type TestBridge, waitUntil } from "../../support/bridge.ts";
import { call, startCallsBridge, TOKENS } from "./helpers.ts";
import { callsPlugin } from "../../../plugins/calls/mod.ts";
import { createBridge } from "../../../core/bridge/mod.ts";

const started: TestBridge[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  for (const tb of started.splice(0)) await tb.close();
});

async function bridgeWith(timing: { setupMs: number; answerMs: number; talkMs: number; longCallMs: number }): Promise<TestBridge> {
  const tb = await startCallsBridge({ pbx: { callTiming: timing } });
  started.push(tb);
  return tb;
}

async function answeredCall(tb: TestBridge): Promise<any> {
  const placed = await call(tb, "POST", "/v1/calls", { channel: "PJSIP/2001", context: "from-internal", exten: "100" });
  expect(placed.status).toBe(202);
  const answered = await call(tb, "GET", `${placed.body.url}?wait=answered&timeoutMs=5000`);
  expect(answered.body.state).toBe("answered");
  return answered.body;
}

const syncs = (tb: TestBridge) => (tb.bridge.pluginHealth().find((p) => p["name"] === "calls")!["channels"] as any).pbx1;

describe("a live call across a lost upstream connection", () => {
  test("Asterisk restarts: channels stale while away, then the call ends as lost while disconnected", async () => {
    const tb = await bridgeWith({ setupMs: 1, answerMs: 5, talkMs: 30_000, longCallMs: 30_000 });
    const answered = await answeredCall(tb);
    const old = tb.pbxs.get("pbx1")!;
    const port = old.port;
    await old.close();
    await waitUntil(() => tb.bridge.upstreams.get("pbx1")!.client.state !== "ready", 3000);
    const stale = await call(tb, "GET", "/v1/channels");
    expect(stale.body.servers.pbx1.stale).toBe(true);
    expect(stale.body.channels.map((ch: any) => [ch.name, ch.stale])).toEqual([[answered.channel, true]]);
    const pbx = new SimulatedPbx({ listen: tb.runtime.listen, authFailureDelayMs: 20 });
    await pbx.start({ hostname: "127.0.0.1", port });
    tb.pbxs.set("pbx1", pbx);
    const done = await call(tb, "GET", `${answered.url}?wait=ended&timeoutMs=5000`);
    expect(done.body).toMatchObject({ state: "ended", reason: "lost while disconnected", reached: true });
    expect(done.body.history.at(-1).detail).toContain("CoreShowChannels after a reconnect");
    const fresh = await call(tb, "GET", "/v1/channels");
    expect(fresh.body).toMatchObject({ channels: [], servers: { pbx1: { stale: false } } });
  }, 20_000);

  test("only the connection drops: the call is still up after the reconnect, and its later hangup is seen", async () => {
    const tb = await bridgeWith({ setupMs: 1, answerMs: 5, talkMs: 30_000, longCallMs: 30_000 });
    const answered = await answeredCall(tb);
    const before = syncs(tb).syncedAt;
    for (const session of tb.pbxs.get("pbx1")!.sessions) session.drop("server-closed");
    await waitUntil(() => (syncs(tb).syncedAt ?? 0) > before && !syncs(tb).stale, 5000);
    const after = await call(tb, "GET", answered.url);
    expect(after.body.state).toBe("answered");
    const channel = await call(tb, "GET", `/v1/channels/${encodeURIComponent(answered.channel)}`);
    expect(channel.body).toMatchObject({ stateDesc: "Up", stale: false });
    expect((await call(tb, "DELETE", answered.url)).status).toBe(202);
    const done = await call(tb, "GET", `${answered.url}?wait=ended&timeoutMs=3000`);
    expect(done.body).toMatchObject({ state: "ended", cause: 16, hangupBy: { role: "api" } });
  }, 20_000);

  test("the call ends while the bridge is away: the reconnect finds no channel, and the call is not left answered", async () => {
    const tb = await bridgeWith({ setupMs: 1, answerMs: 5, talkMs: 300, longCallMs: 30_000 });
    const answered = await answeredCall(tb);
    const pbx = tb.pbxs.get("pbx1")!;
    pbx.shuttingDown = true;
    for (const session of pbx.sessions) session.drop("server-closed");
    await waitUntil(() => pbx.channels.length === 0, 3000);
    pbx.shuttingDown = false;
    const done = await call(tb, "GET", `${answered.url}?wait=ended&timeoutMs=5000`);
    expect(done.body).toMatchObject({ state: "ended", reason: "lost while disconnected" });
  }, 20_000);
});

describe("two bridges on one Asterisk", () => {
  test("each tracks only its own call: OriginateResponses and channels of the other never touch it", async () => {
    const tb = await bridgeWith({ setupMs: 1, answerMs: 20, talkMs: 50, longCallMs: 10_000 });
    const second = await createBridge({
      runtime: tb.runtime,
      upstreams: [{ name: "pbx1", url: `ami://hello:world@127.0.0.1:${tb.pbxs.get("pbx1")!.port}`, client: { reconnect: () => 50, keepalive: false } }],
      plugins: [callsPlugin],
      auth: { mode: "tokens", tokens: TOKENS },
    });
    await second.start();
    const server = await second.listen({ hostname: "127.0.0.1", port: 0 });
    cleanups.push(() => second.close({ graceMs: 200 }));
    const base2 = `http://127.0.0.1:${server.port}`;
    await waitUntil(() => second.upstreams.get("pbx1")!.client.state === "ready", 5000);
    const [a, b] = await Promise.all([
      call(tb, "POST", "/v1/calls", { channel: "PJSIP/2001", context: "from-internal", exten: "100" }),
      call(base2, "POST", "/v1/calls", { channel: "PJSIP/500", context: "from-internal", exten: "100" }),
    ]);
    const [doneA, doneB] = await Promise.all([call(tb, "GET", `${a.body.url}?wait=ended`), call(base2, "GET", `${b.body.url}?wait=ended`)]);
    expect(doneA.body).toMatchObject({ state: "ended", cause: 16 });
    expect(doneB.body).toMatchObject({ state: "failed", reason: "busy" });
    expect(a.body.actionId).not.toBe(b.body.actionId);
    expect(a.body.channelId).not.toBe(b.body.channelId);
    // Each bridge knows only its own call.
    expect((await call(tb, "GET", "/v1/calls")).body.calls.map((c: any) => c.id)).toEqual([a.body.id]);
    expect((await call(base2, "GET", "/v1/calls")).body.calls.map((c: any) => c.id)).toEqual([b.body.id]);
  }, 20_000);
});
