import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AmiClient } from "../../core/client/client.ts";
import type { AmiMessage } from "../../core/message.ts";
import { SimulatedPbx } from "../../core/sim/mod.ts";
import { currentRuntime } from "../support/runtime.ts";
import { testClient, until } from "./helpers.ts";

const runtime = await currentRuntime();
let pbx: SimulatedPbx;
let port: number;

beforeAll(async () => {
  pbx = new SimulatedPbx({ listen: runtime.listen, authFailureDelayMs: 20, callTiming: { longCallMs: 2000 } });
  ({ port } = await pbx.start({ hostname: "127.0.0.1", port: 0 }));
});
afterAll(() => pbx.close());

async function connected(options: Partial<ConstructorParameters<typeof AmiClient>[0]> = {}): Promise<AmiClient> {
  const client = testClient(runtime, port, options);
  await client.connect();
  return client;
}

describe("the client against the simulated Asterisk 22", () => {
  test("plain login, Ping and Logoff", async () => {
    const client = await connected();
    expect(client.banner).toEqual({ product: "Asterisk Call Manager", version: "11.0.0" });
    const pong = await client.send({ Action: "Ping" });
    expect(pong.response.get("Ping")).toBe("Pong");
    expect(pong.response.get("Timestamp")).toMatch(/^\d+\.\d{6}$/);
    await client.close();
    expect(client.state).toBe("closed");
    await until(() => pbx.sessions.length === 0, 1000, "the simulator to see the logoff");
  });

  test("MD5 challenge login", async () => {
    const client = await connected({ auth: "md5" });
    expect((await client.send({ Action: "Ping" })).ok).toBe(true);
    await client.close();
  });

  test("a wrong secret is AUTH_FAILED, for plain and MD5 logins", async () => {
    for (const auth of ["plain", "md5"] as const) {
      const client = testClient(runtime, port, { secret: "wrong", auth });
      const error = await client.connect().catch((e) => e);
      expect(error.code).toBe("AUTH_FAILED");
      expect(error.message).toContain("Authentication failed");
    }
  });

  test("an async Originate: queued response, then its OriginateResponse and call events", async () => {
    const client = await connected();
    const names: string[] = [];
    client.on("event", (e) => names.push(e.name));
    const id = client.createActionId();
    const outcome = client.waitForEvent((e) => e.name === "OriginateResponse" && e.get("ActionID") === id);
    const result = await client.send({ Action: "Originate", Channel: "Local/100@default", Application: "Wait", Data: "1", Async: "true", ActionID: id });
    expect(result.actionId).toBe(id);
    expect(result.response.get("Message")).toBe("Originate successfully queued");
    const response = await outcome;
    expect(response.get("Response")).toBe("Success");
    expect(response.get("Reason")).toBe("4");
    await until(() => names.includes("Hangup"), 2000, "the call to end");
    // FullyBooted and SuccessfulAuth follow the login; the call's own events start with Newchannel.
    expect(names.filter((n) => n !== "FullyBooted" && n !== "SuccessfulAuth")[0]).toBe("Newchannel");
    await client.close();
  });

  test("busy and failed destinations report their Reason", async () => {
    const client = await connected();
    const reasons: Record<string, string | undefined> = {};
    for (const exten of ["busy", "fail"]) {
      const id = client.createActionId();
      const outcome = client.waitForEvent((e) => e.name === "OriginateResponse" && e.get("ActionID") === id);
      await client.send({ Action: "Originate", Channel: `Local/${exten}@default`, Application: "Wait", Data: "1", Async: "true", ActionID: id });
      reasons[exten] = (await outcome).get("Reason");
    }
    expect(reasons).toEqual({ busy: "5", fail: "0" });
    await client.close();
  });

  test("a synchronous Originate answers after the call is decided", async () => {
    const client = await connected();
    const result = await client.send({ Action: "Originate", Channel: "Local/100@default", Application: "Wait", Data: "1", Timeout: "5000" });
    expect(result.ok).toBe(true);
    await client.close();
  });

  test("CoreShowChannels collects the live channels as list items", async () => {
    const client = await connected();
    const id = client.createActionId();
    const answered = client.waitForEvent((e) => e.name === "OriginateResponse" && e.get("ActionID") === id);
    await client.send({ Action: "Originate", Channel: "Local/long@default", Application: "Wait", Data: "30", Async: "true", ActionID: id });
    await answered;
    const list = await client.send({ Action: "CoreShowChannels" });
    const longLegs = list.items.filter((i) => i.get("Channel")!.startsWith("Local/long@default-"));
    expect(longLegs.map((i) => i.get("Channel")!.slice(-2)).sort()).toEqual([";1", ";2"]);
    expect(list.complete?.name).toBe("CoreShowChannelsComplete");
    expect(list.complete?.get("ListItems")).toBe(String(list.items.length));
    for (const item of list.items) expect(item.get("ActionID")).toBe(list.actionId);
    const channel = list.items.map((i) => i.get("Channel")!).find((c) => c.startsWith("Local/long@default"))!;
    expect((await client.send({ Action: "Hangup", Channel: channel })).ok).toBe(true);
    await client.close();
  });

  test("Command returns Output lines; an unknown action is an error response", async () => {
    const client = await connected();
    const version = await client.send({ Action: "Command", Command: "core show version" });
    expect(version.ok).toBe(true);
    expect(version.output?.join("\n")).toContain("Asterisk 22");
    const unknown = await client.send({ Action: "NoSuchAction" });
    expect(unknown.ok).toBe(false);
    expect(unknown.response.get("Message")).toContain("Invalid/unknown command");
    await client.close();
  });

  test("Events: off on login receives no events, but still gets responses", async () => {
    const quiet = await connected({ events: "off" });
    const loud = await connected();
    const seen: AmiMessage[] = [];
    quiet.on("event", (e) => seen.push(e));
    const probe = loud.waitForEvent((e) => e.get("UserEvent") === "probe");
    expect(pbx.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "probe" })).toBeGreaterThanOrEqual(1);
    await probe;
    expect((await quiet.send({ Action: "Ping" })).ok).toBe(true);
    expect(seen).toEqual([]);
    await quiet.close();
    await loud.close();
  });

  test("an event flood is received in full and in order while actions still get answers", async () => {
    const client = await connected();
    let count = 0;
    let ordered = true;
    client.on("event", (e) => {
      if (e.name !== "UserEvent" || e.get("UserEvent") !== "flood") return;
      count++;
      if (e.get("N") !== String(count)) ordered = false;
    });
    const flood = pbx.flood({ count: 20_000, name: "UserEvent", privilege: "user,all", headers: (i) => [["UserEvent", "flood"], ["N", String(i + 1)]] });
    const ping = await client.send({ Action: "Ping" }, { timeoutMs: 5000 });
    expect(ping.ok).toBe(true);
    await flood;
    await until(() => count === 20_000, 5000, "the whole flood");
    expect(ordered).toBe(true);
    await client.close();
  }, 10_000);
});

describe("reading continuously, as Asterisk's 100 ms write timeout demands", () => {
  test("a consumer that never reads does not get the session dropped by a strict server", async () => {
    const strict = new SimulatedPbx({ listen: runtime.listen, writeTimeoutMs: 100, maxQueuedBytes: 256 * 1024 });
    const { port: strictPort } = await strict.start({ hostname: "127.0.0.1", port: 0 });
    try {
      const client = testClient(runtime, strictPort);
      const stalled = client.events({ capacity: 10 });
      await client.connect();
      const session = strict.sessions[0]!;
      await strict.flood({ count: 30_000, name: "UserEvent", privilege: "user,all" });
      expect((await client.send({ Action: "Ping" }, { timeoutMs: 5000 })).ok).toBe(true);
      expect(session.endReason).toBeUndefined();
      expect(client.stats.eventsReceived).toBeGreaterThanOrEqual(30_000);
      expect(stalled.size).toBe(10);
      expect(stalled.dropped).toBe(client.stats.eventsReceived - 10);
      await client.close();
    } finally {
      await strict.close();
    }
  }, 15_000);
});
