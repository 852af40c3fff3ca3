/**
 * Event lists and channel actions against coreshowchannels.raw, coreshowchannels-eventsoff.raw
 * and busy-stream.raw: CoreShowChannels, Status, Hangup of one channel and of a /regex/.
 */
import { describe, expect, test } from "bun:test";
import type { AmiMessage } from "../../core/message.ts";
import { captureMessages, loggedIn, normalize, simulatorScope, type startPbx } from "./helpers.ts";
import type { RawClient } from "./helpers.ts";

const scope = simulatorScope();

const capture = captureMessages("coreshowchannels.raw");
const withId = (id: string) => (m: AmiMessage) => m.get("ActionID") === id;

/** A logged-in client on a fresh simulator with two answered long calls (Local/101), like the capture. */
async function twoLongCalls(): Promise<{ c: RawClient; port: number; runtime: Awaited<ReturnType<typeof startPbx>>["runtime"] }> {
  const started = await scope.start();
  const c = scope.track(await loggedIn(started.runtime, started.port));
  for (const id of ["originate-3", "originate-4"]) {
    await c.send({ Action: "Originate", ActionID: id, Channel: "Local/101@test", Application: "Wait", Data: "30", Async: "true" });
  }
  for (const id of ["originate-3", "originate-4"]) await c.event("OriginateResponse", withId(id));
  await c.waitFor((m) => m.name === "Newexten" && m.get("Application") === "Wait" && m.get("Channel") === "Local/101@test-00000001;2");
  return { c, port: started.port, runtime: started.runtime };
}

describe("CoreShowChannels", () => {
  test("empty: start response and Complete with ListItems 0, exactly as captured", async () => {
    const started = await scope.start();
    const c = scope.track(await loggedIn(started.runtime, started.port));
    await c.send({ Action: "CoreShowChannels", ActionID: "coreshowchannels-2" });
    const start = await c.response("coreshowchannels-2");
    const complete = await c.event("CoreShowChannelsComplete");
    const real = capture.filter(withId("coreshowchannels-2"));
    expect([normalize(start), normalize(complete)]).toEqual(real.map((m) => normalize(m)));
  });

  test("four live channels: items carry the list's ActionID and match the captured items", async () => {
    const { c } = await twoLongCalls();
    await c.send({ Action: "CoreShowChannels", ActionID: "coreshowchannels-5" });
    await c.response("coreshowchannels-5");
    const complete = await c.event("CoreShowChannelsComplete");
    const items = c.messages.filter((m) => m.name === "CoreShowChannel");
    const realItems = capture.filter((m) => m.name === "CoreShowChannel");
    expect(items.map((m) => normalize(m, true)).sort()).toEqual(realItems.map((m) => normalize(m, true)).sort());
    expect(normalize(complete)).toBe(normalize(capture.find((m) => m.name === "CoreShowChannelsComplete" && m.get("ListItems") === "4")!));
    expect(scope.pbx!.channels.map((ch) => ch.name)).toEqual(items.map((m) => m.get("Channel")!));
  });

  test("a session logged in with Events: off gets the list but no events (coreshowchannels-eventsoff.raw)", async () => {
    const { runtime, port } = await twoLongCalls();
    const quiet = await loggedIn(runtime, port, "hello", "world", { ActionID: "login-1", Events: "off" });
    scope.track(quiet);
    await quiet.send({ Action: "CoreShowChannels", ActionID: "coreshowchannels-2" });
    await quiet.event("CoreShowChannelsComplete");
    const real = captureMessages("coreshowchannels-eventsoff.raw").slice(0, -1);
    const sorted = (list: AmiMessage[]) => list.map((m) => normalize(m, true)).sort();
    expect(sorted(quiet.messages)).toEqual(sorted(real));
    expect(quiet.messages.some((m) => m.kind === "event" && !m.has("ActionID"))).toBe(false);
  });
});

describe("Status", () => {
  test("every channel: Status items (Privilege: Call, ActionID last) and StatusComplete with Items", async () => {
    const { c } = await twoLongCalls();
    await c.send({ Action: "Status", ActionID: "status-6" });
    await c.response("status-6");
    const complete = await c.event("StatusComplete");
    const items = c.messages.filter((m) => m.name === "Status");
    const realItems = capture.filter((m) => m.name === "Status");
    expect(items.map((m) => normalize(m, true)).sort()).toEqual(realItems.map((m) => normalize(m, true)).sort());
    expect(normalize(complete)).toBe(normalize(capture.find((m) => m.name === "StatusComplete")!));
  });

  test("one unknown channel: No such channel", async () => {
    const { c } = await twoLongCalls();
    await c.send({ Action: "Status", ActionID: "s", Channel: "Local/none;1" });
    expect((await c.response("s")).get("Message")).toBe("No such channel");
  });
});

describe("Hangup", () => {
  test("of a live channel: Channel Hungup, then the call's events in the captured order", async () => {
    const { c } = await twoLongCalls();
    const before = c.messages.length;
    await c.send({ Action: "Hangup", ActionID: "hangup-7", Channel: "Local/101@test-00000000;1", Cause: "16" });
    expect(normalize(await c.response("hangup-7"))).toBe("Response: Success\nActionID: hangup-7\nMessage: Channel Hungup");
    await c.waitFor((m) => m.name === "Cdr" && m.get("Channel") === "Local/101@test-00000000;1");
    const sim = c.since(before).filter((m) => m.headers.some(([, v]) => v.includes("-00000000;")));
    const afterResponse = capture.slice(capture.findIndex(withId("hangup-7")) + 1);
    const real = afterResponse.filter((m) => m.headers.some(([, v]) => v.includes("-00000007;")));
    expect(sim.map((m) => normalize(m, true))).toEqual(real.map((m) => normalize(m, true)));
    expect(scope.pbx!.channels.map((ch) => ch.name)).toEqual(["Local/101@test-00000001;1", "Local/101@test-00000001;2"]);
  });

  test("of /regex/: a ChannelHungup list as in busy-stream.raw, then every matching call ends", async () => {
    const { c } = await twoLongCalls();
    await c.send({ Action: "Hangup", ActionID: "busy-hangup-busy-long-05", Channel: "/^Local\\/101@test-.*;1$/", Cause: "16" });
    await c.response("busy-hangup-busy-long-05");
    const complete = await c.event("ChannelsHungupListComplete");
    const list = c.messages.filter(withId("busy-hangup-busy-long-05"));
    expect(complete.get("ListItems")).toBe("2");
    const real = captureMessages("busy-stream.raw").filter(withId("busy-hangup-busy-long-05"));
    expect(normalize(list[0]!)).toBe(normalize(real[0]!));
    expect(list.slice(1, 3).map((m) => normalize(m, true))).toEqual([normalize(real[1]!, true), normalize(real[1]!, true)]);
    await c.waitFor(() => scope.pbx!.channels.length === 0);
  });

  test("without Channel, or of an unknown one: errors", async () => {
    const { c } = await twoLongCalls();
    await c.send({ Action: "Hangup", ActionID: "h1" });
    expect((await c.response("h1")).get("Message")).toBe("No channel specified");
    await c.send({ Action: "Hangup", ActionID: "h2", Channel: "Local/nonexistent@test-00000000;1" });
    expect((await c.response("h2")).get("Message")).toBe("No such channel");
  });

  test("ringing call hung up: Failure Reason 1 for the Originate", async () => {
    const started = await scope.start();
    const c = scope.track(await loggedIn(started.runtime, started.port));
    await c.send({ Action: "Originate", ActionID: "r", Channel: "Local/ring@test", Application: "Wait", Async: "true" });
    const ringing = await c.event("Newstate", (m) => m.get("ChannelStateDesc") === "Ringing");
    await c.send({ Action: "Hangup", ActionID: "h", Channel: ringing.get("Channel")! });
    const response = await c.event("OriginateResponse");
    expect([response.get("Response"), response.get("Reason")]).toEqual(["Failure", "1"]);
    expect(started.pbx.channels).toHaveLength(0);
  });
});
