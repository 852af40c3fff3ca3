/**
 * The AMI-over-HTTP client against the simulated PBX's HTTP side, over a real loopback HTTP
 * server: login (cookie, MD5, digest), actions with repeated headers, lists, Command, the
 * WaitEvent poll (a flood without loss), an expired session and the re-login with its gap, the
 * server going away mid-poll.
 */
import { describe, expect, test } from "bun:test";
import type { Gap, StateChange } from "../../core/client/types.ts";
import type { AmiError } from "../../core/errors.ts";
import type { AmiMessage } from "../../core/message.ts";
import { httpScope, sleep, until } from "./http-support.ts";

const scope = httpScope();

describe("logging in over HTTP", () => {
  test("the Login action and its cookie: Ping, the server's name as banner, then Logoff ends the server's session", async () => {
    const { pbx, base, seen } = await scope.start();
    const client = scope.client(base, { events: "off", keepalive: false });
    await client.connect();
    expect(client.state).toBe("ready");
    const pong = await client.send({ Action: "Ping" });
    expect(pong.ok).toBe(true);
    expect(pong.response.get("Ping")).toBe("Pong");
    expect(pong.response.get("ActionID")).toBe(pong.actionId);
    expect(client.banner).toEqual({ product: "Asterisk", version: "22.10.1" });
    expect(pbx.httpSessions.filter((s) => s.user !== undefined).length).toBe(1);
    await client.close();
    expect(seen).toEqual(["login", "ping", "logoff"]);
    expect(pbx.httpSessions.filter((s) => s.user !== undefined).length).toBe(0);
  });

  test("an MD5 challenge login keeps the secret off the wire, in the cookie session the Challenge started", async () => {
    const { base, seen } = await scope.start();
    const client = scope.client(base, { auth: "md5", events: "off", keepalive: false });
    await client.connect();
    expect((await client.send({ Action: "Ping" })).ok).toBe(true);
    expect(seen.slice(0, 2)).toEqual(["challenge", "login"]);
  });

  test("HTTP Digest on /arawman: one session for every request, its nonce reused with a growing count", async () => {
    const { pbx, base } = await scope.start();
    const client = scope.client(base, { url: `${base}/arawman`, events: "off", keepalive: false });
    await client.connect();
    for (let i = 0; i < 3; i++) expect((await client.send({ Action: "Ping" })).response.get("Ping")).toBe("Pong");
    expect(pbx.httpSessions.length).toBe(1);
    expect(pbx.httpSessions[0]!.user?.username).toBe("hello");
  });

  test("a wrong secret is AUTH_FAILED, with the cookie and with digest; the secret is in no message", async () => {
    const { base } = await scope.start();
    for (const url of [`${base}/rawman`, `${base}/arawman`]) {
      const client = scope.client(base, { url, secret: "Wr0ngSecret", events: "off", keepalive: false, reconnect: false });
      const states: StateChange[] = [];
      client.on("state", (change) => states.push(change));
      const error = (await client.connect().catch((e: unknown) => e)) as AmiError;
      expect(error.code).toBe("AUTH_FAILED");
      expect(error.message).not.toContain("Wr0ngSecret");
      expect(client.state).toBe("closed");
      expect(states.at(-1)?.cause?.code).toBe("AUTH_FAILED");
    }
  });
});

describe("actions over HTTP", () => {
  test("repeated headers stay repeated and in order, as form fields", async () => {
    const { base } = await scope.start();
    const client = scope.client(base);
    await client.connect();
    const event = client.waitForEvent((e) => e.name === "UserEvent" && e.get("UserEvent") === "Deploy");
    const sent = await client.send([["Action", "UserEvent"], ["UserEvent", "Deploy"], ["Stage", "one & two"], ["Stage", "100% + more"], ["Stage", ""]]);
    expect(sent.ok).toBe(true);
    expect((await event).getAll("Stage")).toEqual(["one & two", "100% + more", ""]);
  });

  test("a list: the response, every item and the Complete event come in one answer", async () => {
    const { pbx, base } = await scope.start();
    const client = scope.client(base, { events: "off", keepalive: false });
    await client.connect();
    for (const exten of ["long", "200"]) {
      expect((await client.send({ Action: "Originate", Channel: `Local/${exten}@default`, Application: "Wait", Data: "30", Async: "true" })).ok).toBe(true);
    }
    await until(() => pbx.channels.length === 4, 3000, "four channels");
    const list = await client.send({ Action: "CoreShowChannels" });
    expect(list.ok).toBe(true);
    expect(list.response.get("EventList")).toBe("start");
    expect(list.items.map((item) => item.get("Channel")).sort()).toEqual(pbx.channels.map((c) => c.name).sort());
    expect(list.items.every((item) => item.get("ActionID") === list.actionId)).toBe(true);
    expect(list.complete?.get("ListItems")).toBe("4");
    await client.send({ Action: "Hangup", Channel: "/.*/" });
  });

  test("Command output as lines; an error answer is ok: false, not a rejection", async () => {
    const { base } = await scope.start();
    const client = scope.client(base, { events: "off", keepalive: false });
    await client.connect();
    const version = await client.send({ Action: "Command", Command: "core show version" });
    expect(version.output).toEqual(["Asterisk 22.10.1 built by root @ vm on a x86_64 running Linux on 2026-11-27 09:07:54 UTC"]);
    const unknown = await client.send({ Action: "Command", Command: "no such thing" });
    expect(unknown.ok).toBe(false);
    const missing = await client.send({ Action: "Hangup", Channel: "PJSIP/nobody-00000001" });
    expect(missing.ok).toBe(false);
    expect(missing.response.get("Message")).toBe("No such channel");
  });

  test("header injection is refused before anything is sent; a WaitEvent of the caller's own is refused while the client polls", async () => {
    const { base, seen } = await scope.start();
    const client = scope.client(base);
    await client.connect();
    const before = seen.length;
    const injected = (await client.send({ Action: "Ping", X: "a\r\nAction: Logoff" }).catch((e: unknown) => e)) as AmiError;
    expect(injected.code).toBe("INVALID_ACTION");
    const wait = (await client.send({ Action: "WaitEvent" }).catch((e: unknown) => e)) as AmiError;
    expect(wait.code).toBe("INVALID_ACTION");
    expect(seen.slice(before).filter((a) => a !== "waitevent")).toEqual([]);
  });
});

describe("events over HTTP: the WaitEvent long poll", () => {
  test("an Originate's OriginateResponse and call events arrive numbered in order", async () => {
    const { base } = await scope.start();
    const client = scope.client(base);
    await client.connect();
    const events: AmiMessage[] = [];
    client.on("event", (e) => events.push(e));
    const id = client.createActionId();
    const done = client.waitForEvent((e) => e.name === "OriginateResponse" && e.get("ActionID") === id);
    await client.send({ Action: "Originate", Channel: "Local/100@default", Application: "Wait", Data: "1", Async: "true", ActionID: id });
    expect((await done).get("Response")).toBe("Success");
    await until(() => events.some((e) => e.name === "Hangup"), 3000, "the Hangup");
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => events[0]!.seq + i));
    expect(events.every((e) => e.receivedAt > 0)).toBe(true);
    expect(events.some((e) => e.name === "WaitEventComplete")).toBe(false);
  });

  test("a flood of 5000 events over many polls: every one, in order, through a bounded subscriber queue", async () => {
    const { pbx, base, seen } = await scope.start();
    const client = scope.client(base);
    await client.connect();
    // The login's SuccessfulAuth comes first; the flood starts after it.
    await client.waitForEvent((e) => e.name === "SuccessfulAuth");
    const stream = client.events({ capacity: 10_000, filter: (e) => e.name === "UserEvent" });
    const pollsBefore = seen.filter((a) => a === "waitevent").length;
    // Paced over about half a second, so the events are spread over many WaitEvents.
    const flood = pbx.flood({ count: 5000, ratePerSecond: 10_000 });
    const got: number[] = [];
    for await (const event of stream) {
      got.push(Number(event.get("Sequence")));
      if (got.length === 5000) break;
    }
    await flood;
    expect(seen.filter((a) => a === "waitevent").length - pollsBefore).toBeGreaterThan(2);
    expect(stream.dropped).toBe(0);
    expect(got).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(client.bufferedBytes).toBe(0);
  });

  test("the poll keeps the session alive past the server's httptimeout: no gap, one login", async () => {
    const { base, seen } = await scope.start({ httpTimeoutMs: 600 });
    const client = scope.client(base);
    const gaps: Gap[] = [];
    client.on("gap", (gap) => gaps.push(gap));
    await client.connect();
    await sleep(1500);
    expect((await client.send({ Action: "Ping" })).ok).toBe(true);
    expect(gaps).toEqual([]);
    expect(seen.filter((a) => a === "login").length).toBe(1);
    expect(seen.filter((a) => a === "waitevent").length).toBeGreaterThan(1);
  });
});

describe("losing the session", () => {
  test("an expired cookie: the refused action is sent again after a new login, and the gap is reported", async () => {
    const { pbx, base, seen } = await scope.start({ httpTimeoutMs: 300 });
    const client = scope.client(base, { events: "off", keepalive: false });
    const gaps: Gap[] = [];
    client.on("gap", (gap) => gaps.push(gap));
    const states: StateChange[] = [];
    client.on("state", (change) => states.push(change));
    await client.connect();
    await sleep(500);
    const result = await client.send({ Action: "Getvar", Variable: "TESTGLOBAL" });
    expect(result.ok).toBe(true);
    expect(result.response.get("Value")).toBe("ami-test");
    expect(seen).toEqual(["login", "getvar", "login", "getvar"]);
    expect(gaps.length).toBe(1);
    expect(gaps[0]!.cause.code).toBe("SESSION_EXPIRED");
    expect(states.map((s) => s.state)).toContain("reconnecting");
    expect(client.stats.reconnects).toBe(1);
    expect(pbx.httpSessions.filter((s) => s.user !== undefined).length).toBe(1);
  });

  test("a lapsed digest session: the server would answer on a new one without a word, so the client counts the time itself and reports the gap", async () => {
    const { base, seen } = await scope.start();
    // The server's httptimeout as the client knows it; a digest session lives at least 5 s in Asterisk.
    const client = scope.client(base, { url: `${base}/arawman`, events: "off", keepalive: false, httpTimeoutMs: 300 });
    const gaps: Gap[] = [];
    client.on("gap", (gap) => gaps.push(gap));
    await client.connect();
    await sleep(500);
    expect((await client.send({ Action: "Ping" })).ok).toBe(true);
    await until(() => gaps.length === 1 && client.state === "ready", 3000, "the gap");
    expect(gaps[0]!.cause.code).toBe("SESSION_EXPIRED");
    expect(gaps[0]!.cause.message).toContain("300 ms");
    // The login's Ping, the caller's, and the new login's Ping with a fresh challenge.
    expect(seen.filter((a) => a === "ping").length).toBeGreaterThanOrEqual(5);
  });

  test("the server goes away mid-poll and comes back on the same port: reconnecting, a new login, the gap, events again", async () => {
    const first = await scope.start();
    const client = scope.client(first.base);
    const gaps: Gap[] = [];
    client.on("gap", (gap) => gaps.push(gap));
    const states: StateChange[] = [];
    client.on("state", (change) => states.push(change));
    await client.connect();
    await until(() => first.seen.includes("waitevent"), 3000, "the first poll");
    await first.pbx.close();
    await first.server.close(0);
    await until(() => client.state === "reconnecting", 5000, "reconnecting");
    const second = await scope.start({}, first.port);
    await until(() => client.state === "ready", 5000, "ready again");
    expect(gaps.length).toBe(1);
    expect(states.some((s) => s.state === "reconnecting" && s.cause !== undefined)).toBe(true);
    const event = client.waitForEvent((e) => e.name === "UserEvent" && e.get("UserEvent") === "Back");
    second.pbx.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "Back" });
    expect((await event).seq).toBeGreaterThan(gaps[0]!.lastSeq);
  });
});
