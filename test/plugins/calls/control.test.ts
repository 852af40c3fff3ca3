/**
 * The channel registry and call control over HTTP: a call bridged through the simulated
 * dialplan shows its peer, GET /v1/channels lists exactly what CoreShowChannels would,
 * redirect moves both legs (or one, and Asterisk hangs up the other), hangups carry a cause,
 * and a channel that hung up a moment ago is a 409, an unknown one a 404.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { type TestBridge, waitUntil } from "../../support/bridge.ts";
import { call, startCallsBridge } from "./helpers.ts";

const LONG = { setupMs: 1, answerMs: 5, talkMs: 10_000, longCallMs: 10_000 };
let running: TestBridge | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

/** Places 2001 → from-internal,2002 and waits until bridged. */
async function bridgedCall(tb: TestBridge): Promise<any> {
  const placed = await call(tb, "POST", "/v1/calls", { channel: "PJSIP/2001", context: "from-internal", exten: "2002" });
  expect(placed.status).toBe(202);
  await waitUntil(() => tb.bridge.bus.ring.since(0).entries.some((e) => e.type === "call" && e.fields?.["id"] === placed.body.id && e.fields?.["state"] === "bridged"), 5000);
  return (await call(tb, "GET", placed.body.url)).body;
}

const enc = encodeURIComponent;

describe("bridged calls and the channel registry", () => {
  test("a call into 2002 is bridged with the callee; /v1/channels has exactly the two live channels, by name or Uniqueid", async () => {
    running = await startCallsBridge({ pbx: { callTiming: LONG } });
    const bridged = await bridgedCall(running);
    expect(bridged.state).toBe("bridged");
    expect(bridged.peer.channel).toMatch(/^PJSIP\/2002-[0-9a-f]{8}$/);
    expect(bridged.history.map((h: any) => h.state)).toEqual(["queued", "dialing", "ringing", "answered", "bridged"]);
    const listed = await call(running, "GET", "/v1/channels");
    expect(listed.body.servers.pbx1.stale).toBe(false);
    const names = listed.body.channels.map((ch: any) => ch.name).sort();
    expect(names).toEqual([bridged.channel, bridged.peer.channel].sort());
    expect(names).toEqual(running.pbxs.get("pbx1")!.channels.map((ch) => ch.name).sort());
    const byName = await call(running, "GET", `/v1/channels/${enc(bridged.channel)}`);
    expect(byName.body).toMatchObject({ uniqueid: bridged.channelId, stateDesc: "Up", application: "Dial", stale: false });
    expect(byName.body.bridgeId).toBe((await call(running, "GET", `/v1/channels/${enc(bridged.peer.uniqueid)}`)).body.bridgeId);
    const filtered = await call(running, "GET", `/v1/channels?channel=${enc("PJSIP/2002")}`);
    expect(filtered.body.channels.map((ch: any) => ch.name)).toEqual([bridged.peer.channel]);
  });

  test("redirect of a bridged channel moves both legs by default (ExtraChannel from the registry); the call leaves the bridge but stays up", async () => {
    running = await startCallsBridge({ pbx: { callTiming: LONG } });
    const bridged = await bridgedCall(running);
    const moved = await call(running, "POST", `/v1/channels/${enc(bridged.channel)}/redirect`, { context: "conf", exten: "800", peer: { context: "conf", exten: "801" } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ redirected: [bridged.channel, bridged.peer.channel], to: { context: "conf", exten: "800", priority: 1 }, peerTo: { context: "conf", exten: "801", priority: 1 } });
    await waitUntil(() => running!.pbxs.get("pbx1")!.channels.every((ch) => ch.context === "conf" && ch.bridgeId === undefined), 3000);
    await waitUntil(() => running!.bridge.bus.ring.since(0).entries.some((e) => e.type === "call" && e.fields?.["state"] === "answered" && e.fields?.["previous"] === "bridged"), 3000);
    const after = await call(running, "GET", bridged.url);
    expect(after.body.state).toBe("answered");
    expect(after.body.peer).toBeUndefined();
    const channels = (await call(running, "GET", "/v1/channels?context=conf")).body.channels;
    expect(channels.map((ch: any) => [ch.exten, ch.bridgeId ?? null]).sort()).toEqual([["800", null], ["801", null]]);
  });

  test('legs "one" moves only that channel and Asterisk hangs up its peer; a hangup with a cause ends the call with it', async () => {
    running = await startCallsBridge({ pbx: { callTiming: LONG } });
    const bridged = await bridgedCall(running);
    const moved = await call(running, "POST", `/v1/channels/${enc(bridged.channelId)}/redirect`, { context: "ivr", exten: "s", legs: "one" });
    expect(moved.body.redirected).toEqual([bridged.channel]);
    await waitUntil(() => running!.pbxs.get("pbx1")!.channels.length === 1, 3000);
    // The peer is gone: a moment later it is 409, not 404 and never 500.
    const gone = await call(running, "DELETE", `/v1/channels/${enc(bridged.peer.channel)}`);
    expect(gone.status).toBe(409);
    expect(gone.body).toMatchObject({ field: "id", cause: 16, causeText: "Normal Clearing" });
    const hungUp = await call(running, "DELETE", `/v1/channels/${enc(bridged.channel)}?cause=21`);
    expect(hungUp.status).toBe(200);
    expect(hungUp.body).toMatchObject({ channel: bridged.channel, cause: 21 });
    const done = await call(running, "GET", `${bridged.url}?wait=ended&timeoutMs=3000`);
    expect(done.body).toMatchObject({ state: "ended", cause: 21, causeText: "Call Rejected", hangupBy: { role: "api" } });
  });

  test("DELETE /v1/calls/{id} hangs the call up (hangupBy api); a second DELETE is 409; unknown ids are 404", async () => {
    running = await startCallsBridge({ pbx: { callTiming: LONG } });
    const bridged = await bridgedCall(running);
    const deleted = await call(running, "DELETE", `${bridged.url}?cause=16`);
    expect(deleted.status).toBe(202);
    const done = await call(running, "GET", `${bridged.url}?wait=ended&timeoutMs=3000`);
    expect(done.body).toMatchObject({ state: "ended", cause: 16, hangupBy: { role: "api" } });
    expect((await call(running, "DELETE", bridged.url)).status).toBe(409);
    expect((await call(running, "GET", "/v1/calls/no-such-call")).status).toBe(404);
    expect((await call(running, "GET", "/v1/channels/PJSIP%2Fnobody-00000000")).status).toBe(404);
    expect(running.pbxs.get("pbx1")!.channels).toEqual([]);
  });

  test("an AMI Response: Error is a problem answer carrying Asterisk's message", async () => {
    running = await startCallsBridge({ pbx: { callTiming: LONG, users: [{ username: "hello", secret: "world", read: "all", write: "system,call,reporting" }] } });
    const refused = await call(running, "POST", "/v1/calls", { channel: "PJSIP/2001", context: "from-internal", exten: "100" });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ asterisk: "Permission denied", server: "pbx1" });
    const failed = await call(running, "GET", refused.body.call);
    expect(failed.body).toMatchObject({ state: "failed", reason: "refused", asteriskMessage: "Permission denied" });
  });
});
