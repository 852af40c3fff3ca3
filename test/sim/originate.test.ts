/**
 * Simulated calls against the captures: busy (originate-failure.raw, Local/500), no such
 * extension (Local/999), sync Originate, the rich Originate (CallerID, Variable, Account,
 * ChannelId), and the outcomes that were not captured (no answer, congestion).
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { AmiMessage } from "../../core/message.ts";
import type { SimulatedPbx } from "../../core/sim/mod.ts";
import { captureMessages, keys, loggedIn, normalize, sentActions, startPbx } from "./helpers.ts";
import type { RawClient } from "./helpers.ts";

let pbx: SimulatedPbx | undefined;
let client: RawClient | undefined;
afterEach(async () => {
  await client?.close();
  await pbx?.close();
  pbx = client = undefined;
});

async function hello(options: Parameters<typeof startPbx>[0] = {}): Promise<RawClient> {
  const started = await startPbx(options);
  pbx = started.pbx;
  client = await loggedIn(started.runtime, started.port);
  return client;
}

const mentions = (text: string) => (m: AmiMessage) => m.headers.some(([, value]) => value.includes(text));
const names = (messages: AmiMessage[]) => messages.map((m) => m.name);

/** Messages of the simulated client from the Originate's response on, until `last` arrived. */
async function collectCall(c: RawClient, actionId: string, last: (m: AmiMessage) => boolean, timeoutMs = 1000): Promise<AmiMessage[]> {
  const start = c.messages.indexOf(await c.response(actionId)) + 1;
  await c.waitFor(last, timeoutMs, "the end of the call");
  return c.since(start);
}

const isHangupOf = (leg: string) => (m: AmiMessage) => m.name === "Hangup" && (m.get("Channel") ?? "").endsWith(leg);

describe("Originate", () => {
  test("busy (Local/500): the events of originate-failure.raw, OriginateResponse Reason 5", async () => {
    const c = await hello();
    await c.send({ Action: "Originate", ActionID: "originate-5", Channel: "Local/500@test", Application: "Wait", Data: "1", Async: "true" });
    await collectCall(c, "originate-5", (m) => isHangupOf(";2")(m));
    await c.waitFor((m) => m.name === "DeviceStateChange");
    const sim = c.messages.filter(mentions("Local/500@test")).map((m) => normalize(m, true));
    const real = captureMessages("originate-failure.raw").filter(mentions("Local/500@test")).map((m) => normalize(m, true));
    expect(sim).toEqual(real);
  });

  test("no such extension (Local/999): both legs vanish, Failure Reason 0 with Uniqueid <unknown>", async () => {
    const c = await hello();
    await c.send({ Action: "Originate", ActionID: "originate-2", Channel: "Local/999@test", Application: "Wait", Data: "1", Async: "true" });
    const call = await collectCall(c, "originate-2", (m) => m.name === "Cdr" && (m.get("Channel") ?? "").endsWith(";1"));
    const real = captureMessages("originate-failure.raw");
    const firstSeven = real.slice(real.findIndex((m) => m.get("ActionID") === "originate-2") + 1).slice(0, 7);
    expect(call.slice(0, 7).map((m) => normalize(m, true))).toEqual(firstSeven.map((m) => normalize(m, true)));
    const realCdrs = real.filter((m) => m.name === "Cdr" && (m.get("Channel") ?? "").includes("-00000003"));
    expect(call.slice(7).map((m) => normalize(m, true))).toEqual(realCdrs.map((m) => normalize(m, true)));
    expect(pbx!.channels).toHaveLength(0);
  });

  test("sync Originate: the response waits for the call; success after DialEnd, no OriginateResponse", async () => {
    const c = await hello();
    await c.send({ Action: "Originate", ActionID: "originate-4", Channel: "Local/100@test", Application: "Wait", Data: "1" });
    const response = await c.response("originate-4");
    expect(normalize(response)).toBe("Response: Success\nActionID: originate-4\nMessage: Originate successfully queued");
    const before = names(c.messages.slice(0, c.messages.indexOf(response)));
    expect(before.slice(-3)).toEqual(["DialEnd", "DeviceStateChange", "DeviceStateChange"]);
    await c.waitFor(isHangupOf(";2"));
    expect(c.messages.some((m) => m.name === "OriginateResponse")).toBe(false);
  });

  test("sync Originate that fails: Originate failed after the legs hung up", async () => {
    const c = await hello();
    await c.send({ Action: "Originate", ActionID: "originate-3", Channel: "Local/999@test", Application: "Wait", Data: "1" });
    const response = await c.response("originate-3");
    expect(normalize(response)).toBe("Response: Error\nActionID: originate-3\nMessage: Originate failed");
    const at = c.messages.indexOf(response);
    expect(names(c.messages.slice(at - 2, at))).toEqual(["Hangup", "Hangup"]);
    expect(c.messages.some((m) => m.name === "OriginateResponse")).toBe(false);
  });

  test("sync Originate holds back the session's next action until it is decided", async () => {
    const c = await hello({ callTiming: { setupMs: 1, answerMs: 60, talkMs: 10 } });
    await c.send({ Action: "Originate", ActionID: "sync", Channel: "Local/100@test", Application: "Wait", Data: "1" });
    await c.send({ Action: "Ping", ActionID: "ping" });
    await c.response("sync");
    const ping = await c.response("ping");
    expect(c.messages.indexOf(ping)).toBeGreaterThan(c.messages.findIndex((m) => m.get("ActionID") === "sync"));
  });

  test("rich Originate: CallerID, Variables, Account, ChannelId/OtherChannelId as originate-rich-events.raw", async () => {
    const c = await hello();
    const action = sentActions("originate-rich-events.sent").find((m) => m.get("Action") === "Originate")!;
    await c.send(action.headers);
    const call = await collectCall(c, "originate-2", (m) => m.name === "OriginateResponse");
    const real = captureMessages("originate-rich-events.raw");
    const realCall = real.slice(real.findIndex((m) => m.get("ActionID") === "originate-2") + 1);
    const untilDial = (list: AmiMessage[]) => list.slice(0, list.findIndex((m) => m.name === "DialBegin") + 1);
    expect(untilDial(call).map((m) => normalize(m, true))).toEqual(untilDial(realCall).map((m) => normalize(m, true)));
    const realResponse = realCall.find((m) => m.name === "OriginateResponse")!;
    expect(normalize(call.find((m) => m.name === "OriginateResponse")!, true)).toBe(normalize(realResponse, true));
    await c.waitFor(isHangupOf(";2"));
    const cdr = c.messages.find((m) => m.name === "Cdr" && m.get("Channel")?.endsWith(";1"))!;
    expect(cdr.get("AccountCode")).toBe("acct-rich");
    expect(cdr.get("Source")).toBe("5551234");
    expect(cdr.get("CallerID")).toBe('"AMI Test" <5551234>');
    expect(cdr.get("DestinationContext")).toBe("sets");
    expect(cdr.get("UniqueID")).toBe("rich-0001-a");
  });

  test("an answered call keeps its names and ids consistent and clears its channels", async () => {
    const c = await hello();
    await c.send({ Action: "Originate", ActionID: "a1", Channel: "Local/7000@default", Application: "Wait", Data: "1", Async: "yes" });
    const call = await collectCall(c, "a1", isHangupOf(";2"));
    const response = call.find((m) => m.name === "OriginateResponse")!;
    expect(response.get("ActionID")).toBe("a1");
    expect(response.get("Reason")).toBe("4");
    const one = response.get("Channel")!;
    expect(one).toMatch(/^Local\/7000@default-[0-9a-f]{8};1$/);
    const linkedid = response.get("Uniqueid")!;
    const newchannels = call.filter((m) => m.name === "Newchannel");
    expect(newchannels.map((m) => m.get("Channel"))).toEqual([one, one.replace(/;1$/, ";2")]);
    expect(newchannels[0]!.get("Uniqueid")).toBe(linkedid);
    for (const m of call.filter((e) => e.has("Linkedid"))) expect(m.get("Linkedid")).toBe(linkedid);
    expect(call.find((m) => m.name === "DialBegin")!.get("DialString")).toBe("7000@default");
    expect(pbx!.channels).toHaveLength(0);
  });

  test("a second call gets the next channel counter and uniqueids", async () => {
    const c = await hello();
    for (const id of ["x1", "x2"]) {
      await c.send({ Action: "Originate", ActionID: id, Channel: "Local/100@test", Application: "Wait", Data: "1", Async: "true" });
      await c.event("OriginateResponse", (m) => m.get("ActionID") === id);
    }
    const created = c.messages.filter((m) => m.name === "Newchannel");
    expect(created.map((m) => m.get("Channel"))).toEqual([
      "Local/100@test-00000000;1", "Local/100@test-00000000;2", "Local/100@test-00000001;1", "Local/100@test-00000001;2",
    ]);
    expect(created.map((m) => m.get("Uniqueid")!.split(".")[1])).toEqual(["0", "1", "2", "3"]);
  });

  test("no answer: rings until the Originate's Timeout, then Failure Reason 3", async () => {
    const c = await hello();
    const sent = Date.now();
    await c.send({ Action: "Originate", ActionID: "na", Channel: "Local/noanswer@test", Application: "Wait", Data: "1", Async: "true", Timeout: "150" });
    const response = await c.event("OriginateResponse", () => true, 1500);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(140);
    expect(normalize(response)).toBe(
      "Event: OriginateResponse\nPrivilege: call,all\nActionID: na\nResponse: Failure\nChannel: Local/noanswer@test\nApplication: Wait\nData: 1\nReason: 3\nUniqueid: <unknown>\nCallerIDNum: <unknown>\nCallerIDName: <unknown>",
    );
    const ringing = c.messages.find((m) => m.name === "Newstate")!;
    expect(ringing.get("ChannelStateDesc")).toBe("Ringing");
    expect(c.messages.find((m) => m.name === "DialEnd")!.get("DialStatus")).toBe("NOANSWER");
  });

  test("congestion: Failure Reason 8, DialStatus CONGESTION", async () => {
    const c = await hello();
    await c.send({ Action: "Originate", ActionID: "cg", Channel: "Local/congestion@test", Application: "Wait", Data: "1", Async: "1" });
    const response = await c.event("OriginateResponse");
    expect([response.get("Response"), response.get("Reason"), response.get("Uniqueid")]).toEqual(["Failure", "8", "<unknown>"]);
    expect(c.messages.find((m) => m.name === "DialEnd")!.get("DialStatus")).toBe("CONGESTION");
    const hangup = await c.waitFor(isHangupOf(";2"));
    expect([hangup.get("Cause"), hangup.get("Cause-txt")]).toEqual(["34", "Circuit/channel congestion"]);
  });

  test("a custom outcome function decides; validation errors come before any call", async () => {
    const c = await hello({ outcome: () => "busy" });
    await c.send({ Action: "Originate", ActionID: "o1", Channel: "Local/100@test", Application: "Wait", Async: "true" });
    expect((await c.event("OriginateResponse")).get("Reason")).toBe("5");
    await c.send({ Action: "Originate", ActionID: "o2", Channel: "Local/100@test", Priority: "label", Async: "true" });
    expect((await c.response("o2")).get("Message")).toBe("Invalid priority");
    await c.send({ Action: "Originate", ActionID: "o3", Channel: "Local/100@test", Timeout: "soon", Async: "true" });
    expect((await c.response("o3")).get("Message")).toBe("Invalid timeout");
    await c.send({ Action: "Originate", ActionID: "o4", Channel: "nochannel", Async: "true" });
    expect((await c.response("o4")).get("Message")).toBe("Invalid channel");
  });

  test("every event of a simulated call has the header names its captured counterpart has", async () => {
    const c = await hello();
    await c.send({ Action: "Originate", ActionID: "k", Channel: "Local/100@test", Application: "Wait", Data: "1", Async: "true" });
    const call = await collectCall(c, "k", isHangupOf(";2"));
    const real = new Map(captureMessages("originate-events.raw").map((m) => [m.name, keys(m)]));
    for (const m of call) expect(keys(m)).toEqual(real.get(m.name)!);
  });
});
