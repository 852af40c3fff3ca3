/**
 * The call and channel reducers driven by real Asterisk 22 bytes: the captures are decoded with
 * the bridge's own decoder and every event is fed, in order, to a channel registry and a call
 * book, as the calls plugin does it.
 */
import { describe, expect, test } from "bun:test";
import { CallBook } from "../../core/calls/call-book.ts";
import { type CallRecord, queuedCall } from "../../core/calls/call-reducer.ts";
import { ChannelRegistry } from "../../core/calls/registry.ts";
import { decodeAll } from "../../core/decoder.ts";
import type { AmiMessage } from "../../core/message.ts";
import { readFixture } from "../codec/helpers.ts";

function capture(name: string): AmiMessage[] {
  const { messages, errors } = decodeAll(readFixture(name));
  expect(errors).toEqual([]);
  return messages;
}

/** Events only, without list items (they carry the list's ActionID and go to the list, not the bus). */
function busEvents(messages: AmiMessage[]): AmiMessage[] {
  return messages.filter((m) => m.kind === "event" && !(m.get("ActionID") ?? "").startsWith("coreshowchannels") && !(m.get("ActionID") ?? "").startsWith("status"));
}

function call(id: string, channelId: string, otherChannelId: string, actionId: string, channel = "Local/300@test"): CallRecord {
  return queuedCall({ id, server: "pbx1", request: { channel, timeoutMs: 30_000 }, actionId, channelId, otherChannelId, createdBy: "test", at: 1000 });
}

function play(book: CallBook, messages: AmiMessage[], until?: (m: AmiMessage) => boolean): void {
  let at = 2000;
  for (const message of busEvents(messages)) {
    if (until?.(message)) return;
    book.onEvent("pbx1", message, (at += 10));
  }
}

describe("call reducer, fed originate-rich-events.raw", () => {
  test("queued → dialing → answered → bridged with the Local/100 leg → ended, cause 16 by the dialled channel", () => {
    const registry = new ChannelRegistry({ variables: ["foo"] });
    const book = new CallBook(registry);
    book.add(call("c1", "rich-0001-a", "rich-0001-b", "originate-2"));
    const seen: string[] = [];
    let foo: string | undefined;
    let bridgedPeers: string[] = [];
    for (const [i, message] of busEvents(capture("originate-rich-events.raw")).entries()) {
      for (const change of book.onEvent("pbx1", message, 2000 + i * 10)) seen.push(change.call.state);
      foo ??= registry.find("pbx1", "Local/300@test-00000001;1")?.variables["foo"];
      if (message.name === "BridgeEnter" && message.get("Uniqueid") === "rich-0001-b") bridgedPeers = registry.bridgePeers("pbx1", "rich-0001-b").map((c) => c.name);
    }
    const done = book.get("c1")!;
    expect(seen).toEqual(["dialing", "answered", "bridged", "ended"]);
    expect(done.history.map((h) => h.state)).toEqual(["queued", "dialing", "answered", "bridged", "ended"]);
    expect(done.peer).toMatchObject({ uniqueid: "1795770980.4", channel: "Local/100@test-00000002;1", callerIdNum: "300" });
    expect(bridgedPeers).toEqual(["Local/100@test-00000002;1"]);
    expect(done.channel).toBe("Local/300@test-00000001;1");
    expect(done.otherChannel).toBe("Local/300@test-00000001;2");
    expect({ cause: done.cause, causeText: done.causeText, hangupBy: done.hangupBy }).toEqual({
      cause: 16,
      causeText: "Normal Clearing",
      hangupBy: { role: "channel", channel: "Local/300@test-00000001;1" },
    });
    expect(done.reasonCode).toBe(4);
    expect(done.durations!.totalMs).toBe(done.endedAt! - 1000);
    expect(done.durations!.talkMs).toBe(done.endedAt! - done.answeredAt!);
    // The configured variable was kept, under its configured spelling; the table is empty again.
    expect(foo).toBe("bar");
    expect(registry.list("pbx1")).toEqual([]);
    expect(registry.gone("pbx1", "rich-0001-a")).toMatchObject({ cause: 16, causeText: "Normal Clearing" });
  });

  test("the channel registry follows names, states, dialplan steps and the bridge while the call is up", () => {
    const registry = new ChannelRegistry();
    const book = new CallBook(registry);
    play(book, capture("originate-rich-events.raw"), (m) => m.name === "SoftHangupRequest");
    const one = registry.find("pbx1", "rich-0001-a")!;
    const two = registry.find("pbx1", "local/300@TEST-00000001;2")!;
    expect({ state: one.state, context: one.context, exten: one.exten, application: one.application, callerId: one.callerId, accountCode: one.accountCode }).toEqual({
      state: 6,
      context: "sets",
      exten: "1000",
      application: "Hangup",
      callerId: { num: "5551234", name: "AMI Test" },
      accountCode: "acct-rich",
    });
    expect(two.bridgeId).toBe("20201a34-1407-44b6-9f0d-ccb3e5969484");
    expect(registry.bridgeMembers("pbx1", two.bridgeId!).sort()).toEqual(["1795770980.4", "rich-0001-b"]);
    expect(registry.list("pbx1").map((c) => c.name)).toEqual([
      "Local/300@test-00000001;1",
      "Local/300@test-00000001;2",
      "Local/100@test-00000002;1",
      "Local/100@test-00000002;2",
    ]);
    // DialBegin from ;2 to the Local/100 leg, then DialEnd: not dialling any more, and the dial answered.
    expect(two.dialing).toEqual([]);
    expect(registry.find("pbx1", "1795770980.4")!.dialStatus).toBe("ANSWER");
  });
});

describe("call reducer, fed originate-failure.raw", () => {
  test("a failed OriginateResponse (Reason 0) fails the call as failed; a busy one (Reason 5) as busy, with the busy cause", () => {
    const book = new CallBook(new ChannelRegistry());
    book.add(call("nochan", "1795770986.6", "1795770986.7", "originate-2", "Local/999@test"));
    book.add(call("busy", "1795770986.12", "1795770986.13", "originate-5", "Local/500@test"));
    play(book, capture("originate-failure.raw"));
    expect(book.get("nochan")).toMatchObject({ state: "failed", reason: "failed", reasonCode: 0, cause: 0, causeText: "Unknown" });
    const busy = book.get("busy")!;
    expect(busy.history.map((h) => h.state)).toEqual(["queued", "dialing", "failed"]);
    // OriginateResponse came before the hangups; the later ;2 hangup still tells the cause.
    expect(busy).toMatchObject({ state: "failed", reason: "busy", reasonCode: 5, cause: 17, causeText: "User busy" });
    expect(busy.history.at(-1)!.detail).toBe("OriginateResponse Failure, Reason 5 (busy)");
  });

  test("an OriginateResponse with another bridge's ActionID is not ours, even for our channel", () => {
    const book = new CallBook(new ChannelRegistry());
    book.add(call("mine", "1795770986.6", "1795770986.7", "amib-01JSOMEOTHERBRIDGE0000000", "Local/999@test"));
    play(book, capture("originate-failure.raw"));
    const mine = book.get("mine")!;
    expect(mine.state).toBe("dialing");
    // Its channels hung up, but no OriginateResponse of ours came: after the grace period it fails by its cause.
    expect(mine.channelsGoneAt).toBeDefined();
    expect(book.sweep(mine.channelsGoneAt! + 1000).length).toBe(0);
    const [change] = book.sweep(mine.channelsGoneAt! + 5000);
    expect(change!.call).toMatchObject({ state: "failed", reason: "failed", cause: 0 });
  });
});

describe("channel registry rebuilt from coreshowchannels.raw", () => {
  const messages = capture("coreshowchannels.raw");
  const items = messages.filter((m) => m.name === "CoreShowChannel" && m.get("ActionID") === "coreshowchannels-5");

  test("a fresh registry gets exactly the four listed channels, with application and age", () => {
    const registry = new ChannelRegistry();
    expect(registry.status("pbx1").stale).toBe(true);
    registry.beginSync("pbx1");
    registry.finishSync("pbx1", items, 50_000);
    expect(registry.status("pbx1")).toEqual({ stale: false, syncedAt: 50_000 });
    const listed = registry.list("pbx1");
    expect(listed.map((c) => c.uniqueid).sort()).toEqual(["1795770989.14", "1795770989.15", "1795770989.16", "1795770989.17"]);
    const one = registry.find("pbx1", "Local/101@test-00000007;1")!;
    expect({ application: one.application, appData: one.appData, state: one.state, createdAt: one.createdAt }).toEqual({ application: "Wait", appData: "30", state: 6, createdAt: 49_000 });
  });

  test("events during the list win over it, channels that hung up meanwhile stay gone, the rest not listed are dropped", () => {
    const registry = new ChannelRegistry();
    const book = new CallBook(registry);
    // Before the disconnect: a channel (of another capture) the list will not have.
    registry.apply("pbx1", capture("originate-rich-events.raw").find((m) => m.name === "Newchannel")!, 1);
    const stale = registry.list("pbx1")[0]!;
    registry.markStale("pbx1", 2);
    registry.beginSync("pbx1");
    // While the list is on its way, one listed channel hangs up.
    const hangup = messages.find((m) => m.name === "Hangup" && m.get("Uniqueid") === "1795770989.14")!;
    book.onEvent("pbx1", hangup, 3);
    const { gone } = registry.finishSync("pbx1", items, 4);
    expect(gone.map((c) => c.uniqueid)).toEqual([stale.uniqueid]);
    expect(registry.list("pbx1").map((c) => c.uniqueid).sort()).toEqual(["1795770989.15", "1795770989.16", "1795770989.17"]);
  });

  test("reconciling calls: listed channels keep a call going (up: answered), an unlisted call is lost while disconnected", () => {
    const registry = new ChannelRegistry();
    const book = new CallBook(registry);
    book.add(call("up", "1795770989.14", "1795770989.16", "originate-3", "Local/101@test"));
    book.add(call("lost-queued", "amib-gone-1", "amib-gone-2", "x-1"));
    const answered = call("lost-answered", "amib-gone-3", "amib-gone-4", "x-2");
    book.add(answered);
    book.onEvent("pbx1", messages.find((m) => m.name === "Newchannel")!, 1005);
    book.replace({ ...book.get("lost-answered")!, state: "answered", answeredAt: 1010 });
    registry.beginSync("pbx1");
    registry.finishSync("pbx1", items, 1100);
    const changes = book.reconcile("pbx1", 1100);
    expect(changes.map((c) => [c.call.id, c.call.state]).sort()).toEqual([["lost-answered", "ended"], ["lost-queued", "failed"], ["up", "answered"]]);
    expect(book.get("up")!.channel).toBe("Local/101@test-00000007;1");
    expect(book.get("lost-queued")).toMatchObject({ reason: "lost while disconnected" });
    expect(book.get("lost-answered")).toMatchObject({ reason: "lost while disconnected", durations: { totalMs: 100, talkMs: 90 } });
  });
});

describe("call history bounds", () => {
  test("finished calls beyond the count, or older than the age, are forgotten; live ones never", () => {
    const book = new CallBook(new ChannelRegistry(), { maxFinished: 2, maxAgeMs: 1000 });
    for (let i = 0; i < 4; i++) {
      book.add(call(`c${i}`, `u${i}a`, `u${i}b`, `a${i}`));
      book.replace({ ...book.get(`c${i}`)!, state: "ended", endedAt: 1000 + i });
    }
    book.add(call("live", "ula", "ulb", "al"));
    book.sweep(1500);
    expect(book.list().map((c) => c.id)).toEqual(["live", "c3", "c2"]);
    book.sweep(2004);
    expect(book.list().map((c) => c.id)).toEqual(["live"]);
  });
});
