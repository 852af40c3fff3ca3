/** Subscriber filters: the compiled predicate on its own, then over HTTP with 400s and token policies. */
import { afterEach, describe, expect, test } from "bun:test";
import { eventEntry, noticeEntry } from "../../../core/bridge/entry.ts";
import { OPEN_POLICY, type TokenPolicy } from "../../../core/bridge/grants.ts";
import { HttpProblem } from "../../../core/bridge/problem.ts";
import { Upstream, Upstreams } from "../../../core/bridge/upstream.ts";
import { AmiMessage } from "../../../core/message.ts";
import type { Runtime } from "../../../core/ports.ts";
import { compileFilter } from "../../../plugins/events/filter.ts";
import { runtimeName } from "../../support/runtime.ts";
import { ALL, CALL_ONLY, closeBridges, emitUserEvents, openSse, parse, PBX1_ONLY, startEventsBridge } from "./helpers.ts";

afterEach(closeBridges);

// Upstreams are never connected here: the filter only asks for their names.
const fakeRuntime = { name: "fake", connect: () => Promise.reject(new Error("unused")), listen: () => Promise.reject(new Error("unused")), env: () => undefined } as Runtime;
const upstreams = new Upstreams(["pbx1", "pbx2"].map((name) => new Upstream(fakeRuntime, { name, url: "ami://u:p@127.0.0.1:5038" })));

let seq = 0;
const event = (server: string, headers: Record<string, string>) => eventEntry(++seq, server, AmiMessage.from(Object.entries(headers)));
const notice = (type: "gap" | "upstream", server = "pbx1") => noticeEntry(++seq, type, server, { state: "ready" });
const filterOf = (query: string, policy: TokenPolicy = OPEN_POLICY) => compileFilter(new URLSearchParams(query), upstreams, policy);

const newchannel = event("pbx1", { Event: "Newchannel", Privilege: "call,all", Channel: "PJSIP/100-00000001", Context: "from-internal" });
const agent = event("pbx2", { Event: "AgentConnect", Privilege: "agent,all", Channel: "PJSIP/200-00000002" });
const reload = event("pbx1", { Event: "Reload", Privilege: "system,all", Module: "manager" });

function problemOf(run: () => unknown): HttpProblem {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpProblem) return error;
    throw error;
  }
  throw new Error("expected an HttpProblem, got none");
}

describe(`events plugin: filters (${runtimeName})`, () => {
  test("no filter: everything the token may read", () => {
    const all = filterOf("");
    expect([newchannel, agent, reload, notice("gap")].every(all)).toBe(true);
  });

  test("events= names are case-insensitive and * globs; notices pass", () => {
    const f = filterOf("events=newchannel,Agent*");
    expect([f(newchannel), f(agent), f(reload), f(notice("upstream")), f(notice("gap"))]).toEqual([true, true, false, true, true]);
    // Asked twice: the second answer comes from the memo and must agree.
    expect([f(newchannel), f(reload)]).toEqual([true, false]);
    expect(filterOf("events=*")(reload)).toBe(true);
    expect(filterOf("events=Hangup&events=Reload")(reload)).toBe(true);
  });

  test("server= selects events and notices of those upstreams", () => {
    const f = filterOf("server=pbx2");
    expect([f(newchannel), f(agent), f(notice("upstream", "pbx1")), f(notice("upstream", "pbx2"))]).toEqual([false, true, false, true]);
  });

  test("match= needs every Header:pattern to match; header names and values are case-insensitive", () => {
    expect(filterOf("match=channel:PJSIP/100-*")(newchannel)).toBe(true);
    expect(filterOf("match=Channel:pjsip/*&match=Context:from-internal")(newchannel)).toBe(true);
    expect(filterOf("match=Channel:PJSIP/*&match=Context:other")(newchannel)).toBe(false);
    expect(filterOf("match=Uniqueid:*")(newchannel)).toBe(false);
    // Regex characters in a pattern are literal.
    expect(filterOf("match=Channel:PJSIP/100-0000000.")(newchannel)).toBe(false);
    expect(filterOf("match=Channel:PJSIP/200-*")(notice("gap"))).toBe(true);
  });

  test("types= keeps only the listed entry types", () => {
    const f = filterOf("types=event,gap");
    expect([f(newchannel), f(notice("gap")), f(notice("upstream"))]).toEqual([true, true, false]);
  });

  test("the token's read classes and servers always apply", () => {
    const calls: TokenPolicy = { ...OPEN_POLICY, name: "calls", read: ["call"] };
    expect([filterOf("", calls)(newchannel), filterOf("", calls)(reload), filterOf("", calls)(notice("gap"))]).toEqual([true, false, true]);
    const pbx1: TokenPolicy = { ...OPEN_POLICY, name: "pbx1", servers: ["pbx1"] };
    expect([filterOf("", pbx1)(newchannel), filterOf("", pbx1)(agent)]).toEqual([true, false]);
  });

  test("each bad filter is a 400 naming the parameter, what was expected and what came", () => {
    const cases: [string, string, string][] = [
      ["match=Channel", "match", 'match: expected Header:pattern, got "Channel"'],
      ["match=:PJSIP/*", "match", 'match: expected Header:pattern, got ":PJSIP/*"'],
      ["events=New%20channel", "events", 'events: expected event names of letters, digits, _ and -, with * as a wildcard, got "New channel"'],
      ["events=Hangup,,Newchannel", "events", 'got "Hangup,,Newchannel"'],
      ["server=pbx9", "server", 'server: expected one of pbx1, pbx2, got "pbx9"'],
      ["types=event,call", "types", 'types: expected a comma-separated list of event, gap, upstream, got "call"'],
      // Many wildcards backtrack polynomially on long values: refused before they can stall the fan-out.
      [`match=Channel:${"*a".repeat(12)}b`, "match", "at most 4 * wildcards"],
      ["events=*a*b*c*d*e", "events", "at most 4 * wildcards"],
      [`match=Channel:${"x".repeat(300)}`, "match", "a pattern of at most 256 characters"],
      [Array.from({ length: 17 }, (_, i) => `match=H${i}:x`).join("&"), "match", 'expected at most 16 match= conditions, got "17 conditions"'],
      [`events=${Array.from({ length: 65 }, (_, i) => `E${i}`).join(",")}`, "events", 'expected at most 64 event names, got "65 names"'],
    ];
    for (const [query, field, detail] of cases) {
      const problem = problemOf(() => filterOf(query));
      expect(problem.status).toBe(400);
      expect(problem.extras).toEqual({ field });
      expect(problem.message).toContain(detail);
    }
  });

  test("patterns within the limits still work: four wildcards match", () => {
    expect(filterOf("match=Channel:*P*S*1*")(newchannel)).toBe(true);
    expect(filterOf("events=*Agent*Conn*")(agent)).toBe(true);
  });

  test("server= naming an upstream the token may not use is a 403", () => {
    const problem = problemOf(() => filterOf("server=pbx2", { ...OPEN_POLICY, servers: ["pbx1"] }));
    expect(problem.status).toBe(403);
    expect(problem.extras).toEqual({ field: "server" });
  });
});

describe(`events plugin: filters over HTTP (${runtimeName})`, () => {
  test("events=, match= and the token's policy select what a stream gets", async () => {
    const tb = await startEventsBridge();
    const pbx = tb.pbxs.get("pbx1")!;
    const named = await openSse(tb, "events=Agent*,userevent");
    const matched = await openSse(tb, "types=event&match=Channel:PJSIP/2*");
    const calls = await openSse(tb, "types=event", {}, CALL_ONLY);
    pbx.emit({ Event: "Reload", Privilege: "system,all", Module: "manager" });
    pbx.emit({ Event: "Newchannel", Privilege: "call,all", Channel: "PJSIP/100-00000001" });
    pbx.emit({ Event: "AgentCalled", Privilege: "agent,all", Channel: "PJSIP/200-00000002" });
    await emitUserEvents(tb, 1);
    expect((await named.reader.take(2)).map((m) => parse(m.data).name)).toEqual(["AgentCalled", "UserEvent"]);
    expect(parse((await matched.reader.next())!.data).name).toBe("AgentCalled");
    // The call-only token never sees the system event that came first.
    expect(parse((await calls.reader.next())!.data).name).toBe("Newchannel");
    await Promise.all([named, matched, calls].map(({ reader }) => reader.cancel()));
  });

  test("each bad filter is a 400 problem on the HTTP route", async () => {
    const tb = await startEventsBridge();
    for (const [query, field] of [["match=Channel", "match"], ["events=a%20b", "events"], ["server=nope", "server"], ["types=x", "types"]]) {
      const response = await fetch(`${tb.baseUrl}/v1/events?${query}`, { headers: { authorization: `Bearer ${ALL}` } });
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      const body = (await response.json()) as { field: string; detail: string; instance: string };
      expect(body.field).toBe(field!);
      expect(body.detail).toStartWith(`${field}: expected `);
      expect(body.instance).toBe("/v1/events");
    }
    expect(tb.bridge.bus.subscriberCount).toBe(0);
  });

  test("server= outside the token's servers is a 403", async () => {
    const tb = await startEventsBridge({}, { servers: ["pbx1", "pbx2"] });
    const response = await fetch(`${tb.baseUrl}/v1/events?server=pbx2`, { headers: { authorization: `Bearer ${PBX1_ONLY}` } });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { field: string }).field).toBe("server");
  });
});
