/**
 * Calls to phones (`PJSIP/2001`): one channel instead of a Local pair, answered into the
 * dialplan, busy, unanswered, unknown, and hung up by an action.
 */
import { describe, expect, test } from "bun:test";
import type { AmiMessage } from "../../core/message.ts";
import { loggedIn, simulatorScope } from "./helpers.ts";

const scope = simulatorScope();

async function hello(options: Parameters<typeof scope.start>[0] = {}) {
  const started = await scope.start(options);
  return scope.track(await loggedIn(started.runtime, started.port));
}

const isHangup = (m: AmiMessage) => m.name === "Hangup";

describe("Originate to a phone", () => {
  test("PJSIP/2001 into from-internal,100: one channel rings, answers, runs the dialplan and hangs up", async () => {
    const c = await hello();
    await c.send({ Action: "Originate", ActionID: "p1", Channel: "PJSIP/2001", Context: "from-internal", Exten: "100", Priority: "1", CallerID: "CRM <100>", Async: "true" });
    expect((await c.response("p1")).get("Message")).toBe("Originate successfully queued");
    const response = await c.event("OriginateResponse", (m) => m.get("ActionID") === "p1");
    const channel = response.get("Channel")!;
    expect(channel).toMatch(/^PJSIP\/2001-[0-9a-f]{8}$/);
    expect([response.get("Response"), response.get("Reason"), response.get("Context"), response.get("Exten")]).toEqual(["Success", "4", "from-internal", "100"]);
    const hangup = await c.waitFor(isHangup);
    const call = c.messages.filter((m) => m.get("Channel") === channel);
    const created = call.find((m) => m.name === "Newchannel")!;
    expect([created.get("Context"), created.get("Exten")]).toEqual(["from-internal", "s"]);
    expect(call.filter((m) => m.name === "Newstate").map((m) => m.get("ChannelStateDesc"))).toEqual(["Ringing", "Up"]);
    expect(call.filter((m) => m.name === "Newexten").map((m) => `${m.get("Context")},${m.get("Exten")},${m.get("Priority")} ${m.get("Application")}`)).toEqual([
      "from-internal,100,1 Answer",
      "from-internal,100,2 Playback",
      "from-internal,100,3 Hangup",
    ]);
    expect([hangup.get("Channel"), hangup.get("Cause-txt"), hangup.get("CallerIDNum"), hangup.get("CallerIDName")]).toEqual([channel, "Normal Clearing", "100", "CRM"]);
    expect(response.get("Uniqueid")).toBe(created.get("Uniqueid"));
    await c.waitFor((m) => m.name === "DeviceStateChange" && m.get("State") === "NOT_INUSE");
    const devices = c.messages.filter((m) => m.name === "DeviceStateChange").map((m) => `${m.get("Device")} ${m.get("State")}`);
    expect(devices).toEqual(["PJSIP/2001 RINGING", "PJSIP/2001 INUSE", "PJSIP/2001 NOT_INUSE"]);
    // Only Local calls have a second leg.
    expect(c.messages.filter((m) => m.name === "Newchannel")).toHaveLength(1);
    expect(scope.pbx!.channels).toHaveLength(0);
  });

  test("busy (PJSIP/500) fails with Reason 5 and cause 17; an unknown endpoint (PJSIP/999) has no channel at all", async () => {
    const c = await hello();
    await c.send({ Action: "Originate", ActionID: "b", Channel: "PJSIP/500", Application: "Wait", Data: "1", Async: "true" });
    const busy = await c.event("OriginateResponse", (m) => m.get("ActionID") === "b");
    expect([busy.get("Response"), busy.get("Reason"), busy.get("Channel"), busy.get("Uniqueid")]).toEqual(["Failure", "5", "PJSIP/500", "<unknown>"]);
    // The phone hung up before the Originate was decided.
    const hangup = c.messages.find(isHangup)!;
    expect([hangup.get("Cause"), hangup.get("Cause-txt")]).toEqual(["17", "User busy"]);
    const before = c.messages.filter((m) => m.name === "Newchannel").length;
    await c.send({ Action: "Originate", ActionID: "u", Channel: "PJSIP/999", Application: "Wait", Data: "1", Async: "true" });
    const unknown = await c.event("OriginateResponse", (m) => m.get("ActionID") === "u");
    expect([unknown.get("Response"), unknown.get("Reason")]).toEqual(["Failure", "0"]);
    expect(c.messages.filter((m) => m.name === "Newchannel")).toHaveLength(before);
  });

  test("no answer rings until the Timeout (Reason 3); a Hangup action ends a long call", async () => {
    const c = await hello();
    await c.send({ Action: "Originate", ActionID: "n", Channel: "PJSIP/noanswer", Application: "Wait", Data: "1", Timeout: "60", Async: "true" });
    expect((await c.event("OriginateResponse", (m) => m.get("ActionID") === "n")).get("Reason")).toBe("3");
    await c.send({ Action: "Originate", ActionID: "l", Channel: "PJSIP/long", Application: "Wait", Data: "30", Async: "true" });
    const answered = await c.event("OriginateResponse", (m) => m.get("ActionID") === "l");
    expect(answered.get("Reason")).toBe("4");
    await c.send({ Action: "Hangup", ActionID: "h", Channel: answered.get("Channel")!, Cause: "16" });
    expect((await c.response("h")).get("Message")).toBe("Channel Hungup");
    const hangup = await c.waitFor((m) => isHangup(m) && m.get("Channel") === answered.get("Channel"));
    expect(hangup.get("Cause")).toBe("16");
    expect(scope.pbx!.channels).toHaveLength(0);
  });
});
