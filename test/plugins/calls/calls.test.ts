/**
 * POST /v1/calls end to end: a real bridge over the simulated PBX on loopback, every outcome the
 * simulator has (answered, busy, no answer, congestion, no such channel), waits, the history and
 * the `call` notices on the bus.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { TestBridge } from "../../support/bridge.ts";
import { call, placeAndWait, startCallsBridge } from "./helpers.ts";

let running: TestBridge | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe("POST /v1/calls", () => {
  test("a phone that answers: 202 with the call's URL, then queued → dialing → ringing → answered → ended with cause 16", async () => {
    running = await startCallsBridge();
    const notices: any[] = [];
    running.bridge.bus.listen((entry) => entry.type === "call" && notices.push(JSON.parse(entry.json())));
    const placed = await call(running, "POST", "/v1/calls", { channel: "PJSIP/2001", context: "from-internal", exten: "100", callerId: "CRM <100>", variables: { CRM_ID: "Smith, John" } });
    expect(placed.status).toBe(202);
    expect(placed.headers.get("location")).toBe(placed.body.url);
    // The simulated call is quick: the 202 shows it as it is by then, its history starting queued.
    expect(placed.body.history[0]).toMatchObject({ state: "queued", detail: "Originate sent (Async)" });
    expect(placed.body).toMatchObject({ server: "pbx1", request: { channel: "PJSIP/2001", context: "from-internal", exten: "100", priority: 1, timeoutMs: 30000 } });
    expect(placed.body.channelId).toMatch(/^amib-[0-9A-Z]{26}-1$/);
    const done = await call(running, "GET", `${placed.body.url}?wait=ended&timeoutMs=5000`);
    expect(done.status).toBe(200);
    expect(done.body.reached).toBe(true);
    expect(done.body.history.map((h: any) => h.state)).toEqual(["queued", "dialing", "ringing", "answered", "ended"]);
    expect(done.body).toMatchObject({ state: "ended", cause: 16, causeText: "Normal Clearing", hangupBy: { role: "channel" } });
    expect(done.body.channel).toMatch(/^PJSIP\/2001-[0-9a-f]{8}$/);
    expect(done.body.durations.talkMs).toBeGreaterThanOrEqual(0);
    // The variable's comma survived Asterisk's argument splitting: the simulator set it whole.
    const varSets = running.bridge.bus.ring.since(0).entries.filter((e) => e.name === "VarSet" && e.message?.get("Uniqueid") === placed.body.channelId);
    expect(varSets.map((e) => `${e.message!.get("Variable")}=${e.message!.get("Value")}`)).toEqual(["CRM_ID=Smith, John"]);
    // Every change was a `call` notice, in order, without the server twice.
    expect(notices.filter((n) => n.id === placed.body.id).map((n) => n.state)).toEqual(["queued", "dialing", "ringing", "answered", "ended"]);
    expect(notices.at(-1)).toMatchObject({ type: "call", server: "pbx1", previous: "answered", cause: 16 });
  });

  for (const [channel, reason, code] of [["PJSIP/500", "busy", 5], ["PJSIP/501", "congestion", 8], ["PJSIP/ring", "no-answer", 3], ["Bogus/xyz", "failed", 0], ["Local/999@test", "failed", 0]] as const) {
    test(`${channel}: failed with reason ${reason} (OriginateResponse Reason ${code})`, async () => {
      running ??= await startCallsBridge();
      const done = await placeAndWait(running, { channel, context: "from-internal", exten: "100", timeoutMs: 40 });
      expect({ state: done.state, reason: done.reason, reasonCode: done.reasonCode }).toEqual({ state: "failed", reason, reasonCode: code });
      expect(done.answeredAt).toBeUndefined();
    });
  }

  test("a Local call answered by the dialplan runs its application and ends; ?wait=answered comes back once answered", async () => {
    running = await startCallsBridge({ pbx: { callTiming: { setupMs: 1, answerMs: 5, talkMs: 300, longCallMs: 10_000 } } });
    const placed = await call(running, "POST", "/v1/calls", { channel: "Local/100@test", application: "Wait", data: "1" });
    expect(placed.status).toBe(202);
    const answered = await call(running, "GET", `${placed.body.url}?wait=answered&timeoutMs=5000`);
    expect(answered.body).toMatchObject({ state: "answered", reached: true, channel: expect.stringMatching(/^Local\/100@test-[0-9a-f]{8};1$/), otherChannel: expect.stringMatching(/;2$/) });
    const ended = await call(running, "GET", `${placed.body.url}?wait=ended`);
    expect(ended.body.state).toBe("ended");
  });

  test("a wait that times out answers with the state so far and reached: false", async () => {
    running = await startCallsBridge();
    const placed = await call(running, "POST", "/v1/calls", { channel: "PJSIP/ring", context: "from-internal", exten: "100", timeoutMs: 5000 });
    const waited = await call(running, "GET", `${placed.body.url}?wait=answered&timeoutMs=50`);
    expect(waited.status).toBe(200);
    expect(waited.body.reached).toBe(false);
    expect(["queued", "dialing", "ringing"]).toContain(waited.body.state);
  });

  test("GET /v1/calls lists newest first and filters by state", async () => {
    running = await startCallsBridge();
    const first = await placeAndWait(running, { channel: "PJSIP/500", context: "from-internal", exten: "100" });
    const second = await placeAndWait(running, { channel: "PJSIP/2001", context: "from-internal", exten: "100", id: "crm-task-42" });
    const all = await call(running, "GET", "/v1/calls");
    expect(all.body.calls.map((c: any) => c.id)).toEqual([second.id, first.id]);
    expect(second.id).toBe("crm-task-42");
    const failed = await call(running, "GET", "/v1/calls?state=failed");
    expect(failed.body.calls.map((c: any) => c.id)).toEqual([first.id]);
    const again = await call(running, "POST", "/v1/calls", { channel: "PJSIP/2001", context: "from-internal", exten: "100", id: "crm-task-42" });
    expect(again.status).toBe(409);
    expect(again.body.field).toBe("id");
  });
});
