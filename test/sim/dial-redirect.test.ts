/**
 * What the calls plugin needs from the simulated PBX: a dialplan Dial() that bridges two phones
 * (Dial and Bridge events as originate-rich-events.raw has them), Redirect of one or both legs
 * with its events, Hangup with a cause, CoreShowChannels listing exactly the live channels, and
 * Originate variables split the way Asterisk splits them.
 */
import { describe, expect, test } from "bun:test";
import type { AmiMessage } from "../../core/message.ts";
import { defaultOutcome } from "../../core/sim/mod.ts";
import { type RawClient, loggedIn, simulatorScope } from "./helpers.ts";

const scope = simulatorScope();
const LONG = { setupMs: 1, answerMs: 5, talkMs: 10_000, longCallMs: 10_000 };

async function hello(options: Parameters<typeof scope.start>[0] = {}) {
  const started = await scope.start(options);
  return scope.track(await loggedIn(started.runtime, started.port));
}

/** Originates PJSIP/2001 into from-internal,2002 and waits until both phones are bridged. */
async function bridged(c: RawClient): Promise<{ caller: string; callee: string; bridgeId: string }> {
  await c.send({ Action: "Originate", ActionID: "o1", Channel: "PJSIP/2001", Context: "from-internal", Exten: "2002", Priority: "1", CallerID: "Desk <2001>", Async: "true" });
  const second = await c.waitFor((m) => m.name === "BridgeEnter" && m.get("BridgeNumChannels") === "2");
  const callee = c.messages.find((m) => m.name === "BridgeEnter" && m.get("BridgeNumChannels") === "1")!.get("Channel")!;
  return { caller: second.get("Channel")!, callee, bridgeId: second.get("BridgeUniqueid")! };
}

async function list(c: RawClient, id: string): Promise<AmiMessage[]> {
  await c.send({ Action: "CoreShowChannels", ActionID: id });
  await c.waitFor((m) => m.name === "CoreShowChannelsComplete" && m.get("ActionID") === id);
  return c.messages.filter((m) => m.name === "CoreShowChannel" && m.get("ActionID") === id);
}

describe("Dial and bridge", () => {
  test("2001 answers, dials 2002 (DialBegin/DialEnd from the caller), both enter one bridge; CoreShowChannels lists exactly them with the BridgeId", async () => {
    const c = await hello({ callTiming: LONG });
    const { caller, callee, bridgeId } = await bridged(c);
    expect(caller).toMatch(/^PJSIP\/2001-[0-9a-f]{8}$/);
    expect(callee).toMatch(/^PJSIP\/2002-[0-9a-f]{8}$/);
    const begin = c.messages.find((m) => m.name === "DialBegin")!;
    expect([begin.get("Channel"), begin.get("DestChannel"), begin.get("DialString"), begin.get("DestCallerIDNum")]).toEqual([caller, callee, "2002", "2001"]);
    const end = c.messages.find((m) => m.name === "DialEnd")!;
    expect([end.get("Channel"), end.get("DestChannel"), end.get("DialStatus"), end.get("DestChannelStateDesc")]).toEqual([caller, callee, "ANSWER", "Up"]);
    const order = c.messages.filter((m) => /^Bridge/.test(m.name)).map((m) => `${m.name} ${m.get("BridgeNumChannels")}`);
    expect(order).toEqual(["BridgeCreate 0", "BridgeEnter 1", "BridgeEnter 2"]);
    const items = await list(c, "l1");
    expect(items.map((m) => [m.get("Channel"), m.get("BridgeId")]).sort()).toEqual([[caller, bridgeId], [callee, bridgeId]].sort());
    expect(items.map((m) => m.get("Uniqueid")).sort()).toEqual(scope.pbx!.channels.map((ch) => ch.uniqueid).sort());
  });

  test("the callee hangs up after the talk time: BridgeLeave twice, BridgeDestroy, both Hangups; the list is empty again", async () => {
    const c = await hello({ callTiming: { setupMs: 1, answerMs: 5, talkMs: 20, longCallMs: 10_000 } });
    await bridged(c);
    await c.waitFor((m) => m.name === "Hangup" && m.get("Channel")!.startsWith("PJSIP/2001"));
    const tail = c.messages.filter((m) => ["BridgeLeave", "BridgeDestroy", "Hangup"].includes(m.name)).map((m) => `${m.name} ${(m.get("Channel") ?? "").slice(0, 10)}`);
    expect(tail).toEqual(["BridgeLeave PJSIP/2002", "Hangup PJSIP/2002", "BridgeLeave PJSIP/2001", "BridgeDestroy ", "Hangup PJSIP/2001"]);
    expect(await list(c, "l2")).toEqual([]);
  });

  test("a busy callee (2004, as in the demo): DialEnd BUSY, no bridge, the caller hangs up with cause 17", async () => {
    const c = await hello({ outcome: (d) => (d.exten === "2004" ? "busy" : defaultOutcome(d)) });
    await c.send({ Action: "Originate", ActionID: "o2", Channel: "PJSIP/2001", Context: "from-internal", Exten: "2004", Priority: "1", Async: "true" });
    const hangup = await c.waitFor((m) => m.name === "Hangup" && m.get("Channel")!.startsWith("PJSIP/2001"));
    expect(c.messages.find((m) => m.name === "DialEnd")!.get("DialStatus")).toBe("BUSY");
    expect(c.messages.some((m) => m.name === "BridgeCreate")).toBe(false);
    expect([hangup.get("Cause"), hangup.get("Cause-txt")]).toEqual(["17", "User busy"]);
  });
});

describe("Redirect", () => {
  test("both legs (ExtraChannel): each leaves the bridge and continues at its new place; the bridge is destroyed; both stay up", async () => {
    const c = await hello({ callTiming: LONG });
    const { caller, callee } = await bridged(c);
    await c.send({ Action: "Redirect", ActionID: "r1", Channel: caller, Context: "conf", Exten: "800", Priority: "1", ExtraChannel: callee, ExtraContext: "conf", ExtraExten: "801", ExtraPriority: "2" });
    expect((await c.response("r1")).get("Response")).toBe("Success");
    await c.waitFor((m) => m.name === "Newexten" && m.get("Channel") === callee && m.get("Context") === "conf");
    const after = c.messages.slice(c.messages.findIndex((m) => m.get("ActionID") === "r1"));
    expect(after.filter((m) => m.name !== "DeviceStateChange").map((m) => `${m.name} ${m.get("Channel") === caller ? "caller" : m.get("Channel") === callee ? "callee" : ""}`.trim())).toEqual([
      "Success",
      "BridgeLeave caller",
      "BridgeLeave callee",
      "BridgeDestroy",
      "Newexten caller",
      "Newexten callee",
    ]);
    const moved = after.filter((m) => m.name === "Newexten").map((m) => `${m.get("Context")},${m.get("Exten")},${m.get("Priority")}`);
    expect(moved).toEqual(["conf,800,1", "conf,801,2"]);
    const items = await list(c, "l3");
    expect(items.map((m) => [m.get("Channel"), m.get("Context"), m.get("BridgeId")]).sort()).toEqual([[caller, "conf", ""], [callee, "conf", ""]].sort());
  });

  test("one leg of a bridged call: the other is hung up by Asterisk", async () => {
    const c = await hello({ callTiming: LONG });
    const { caller, callee } = await bridged(c);
    await c.send({ Action: "Redirect", ActionID: "r2", Channel: caller, Context: "ivr", Exten: "s", Priority: "1" });
    const hangup = await c.waitFor((m) => m.name === "Hangup");
    expect([hangup.get("Channel"), hangup.get("Cause")]).toEqual([callee, "16"]);
    expect(scope.pbx!.channels.map((ch) => [ch.name, ch.context])).toEqual([[caller, "ivr"]]);
  });
});

describe("Hangup with a cause, and Originate variables", () => {
  test("Hangup with Cause 21 ends both bridged phones, the named one with Call Rejected; a Uniqueid works as the Channel too", async () => {
    const c = await hello({ callTiming: LONG });
    const { callee } = await bridged(c);
    const uniqueid = scope.pbx!.channels.find((ch) => ch.name === callee)!.uniqueid;
    await c.send({ Action: "Hangup", ActionID: "h1", Channel: uniqueid, Cause: "21" });
    expect((await c.response("h1")).get("Message")).toBe("Channel Hungup");
    await c.waitFor((m) => m.name === "Hangup" && m.get("Channel")!.startsWith("PJSIP/2001"));
    const hangups = c.messages.filter((m) => m.name === "Hangup").map((m) => [m.get("Channel")!.slice(0, 10), m.get("Cause"), m.get("Cause-txt")]);
    expect(hangups).toEqual([["PJSIP/2002", "21", "Call Rejected"], ["PJSIP/2001", "16", "Normal Clearing"]]);
    expect(scope.pbx!.channels).toEqual([]);
  });

  test("escaped commas and quotes stay in one variable, unescaped commas split as Asterisk does", async () => {
    const c = await hello();
    await c.send([["Action", "Originate"], ["ActionID", "v"], ["Channel", "PJSIP/2001"], ["Application", "Wait"], ["Data", "1"], ["Variable", "NAME=Smith\\, John"], ["Variable", "A=1,B=\\\"q\\\""], ["Async", "true"]]);
    await c.event("OriginateResponse", (m) => m.get("ActionID") === "v");
    const sets = c.messages.filter((m) => m.name === "VarSet").map((m) => `${m.get("Variable")}=${m.get("Value")}`);
    expect(sets).toEqual(["NAME=Smith, John", "A=1", 'B="q"']);
  });
});
