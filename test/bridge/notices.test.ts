/** Open notice types: plugins define theirs, they share the bus sequence, filters and grants apply to them. */
import { describe, expect, test } from "bun:test";
import { EventBus, type BusEntry } from "../../core/bridge/mod.ts";
import { mayRead, type TokenPolicy } from "../../core/bridge/grants.ts";
import { compileFilter } from "../../plugins/events/filter.ts";
import type { Upstreams } from "../../core/bridge/upstream.ts";

const policy = (read: string[]): TokenPolicy => ({ name: "t", read, actions: { allow: [], deny: [] }, grants: [], servers: ["*"] });
const upstreams = { names: () => ["pbx1"], get: (name: string) => (name === "pbx1" ? {} : undefined) } as unknown as Upstreams;

function drain(take: () => BusEntry | undefined): BusEntry[] {
  const out: BusEntry[] = [];
  for (let entry = take(); entry; entry = take()) out.push(entry);
  return out;
}

describe("notice types", () => {
  test("a defined notice shares the sequence, carries its fields and has its own SSE event name", () => {
    const bus = new EventBus();
    bus.defineNotice("webhook.disabled", { classes: ["system"] });
    const sub = bus.subscribe();
    bus.publishNotice("upstream", "pbx1", { state: "ready" });
    bus.publishNotice("webhook.disabled", "pbx1", { endpoint: "wh_1", reason: "410 Gone" });
    const entries = drain(() => sub.take());
    expect(entries.map((e) => [e.seq, e.type])).toEqual([[1, "upstream"], [2, "webhook.disabled"]]);
    expect(JSON.parse(entries[1]!.json())).toMatchObject({ type: "webhook.disabled", seq: 2, endpoint: "wh_1", reason: "410 Gone" });
    expect(new TextDecoder().decode(entries[1]!.sseFrame())).toStartWith("id: 2\nevent: webhook.disabled\n");
    expect(bus.published["webhook.disabled"]).toBe(1);
  });

  test("publishing an undefined type, or redefining one with other classes, is a coded error", () => {
    const bus = new EventBus();
    expect(() => bus.publishNotice("call", "pbx1", {})).toThrow(/expected a defined notice type \(gap, upstream\), got "call"/);
    bus.defineNotice("call", { classes: ["call"] });
    bus.defineNotice("call", { classes: ["call"] });
    expect(() => bus.defineNotice("call", { classes: ["system"] })).toThrow(/already defined/);
    expect(() => bus.defineNotice("Bad Type")).toThrow(/lower-case dot-separated/);
    expect(() => bus.defineNotice("event")).toThrow(/other than "event"/);
  });

  test("a notice with classes reaches only tokens that may read all of them; one without reaches every reader", () => {
    const bus = new EventBus();
    bus.defineNotice("call", { classes: ["call"] });
    const call = bus.publishNotice("call", "pbx1", { id: "c1", state: "answered" });
    const upstream = bus.publishNotice("upstream", "pbx1", { state: "ready" });
    expect(mayRead(policy(["call"]), call)).toBe(true);
    expect(mayRead(policy(["*"]), call)).toBe(true);
    expect(mayRead(policy(["agent"]), call)).toBe(false);
    expect(mayRead(policy([]), call)).toBe(false);
    expect(mayRead(policy([]), upstream)).toBe(true);
  });

  test("types= accepts the bus's defined notice types and refuses others, naming the known ones", () => {
    const bus = new EventBus();
    bus.defineNotice("call", { classes: ["call"] });
    const only = compileFilter(new URLSearchParams("types=call"), upstreams, policy(["*"]), bus.noticeTypes());
    const call = bus.publishNotice("call", "pbx1", { id: "c1" });
    const upstream = bus.publishNotice("upstream", "pbx1", { state: "ready" });
    expect(only(call)).toBe(true);
    expect(only(upstream)).toBe(false);
    expect(() => compileFilter(new URLSearchParams("types=callfile"), upstreams, policy(["*"]), bus.noticeTypes())).toThrow(
      'types: expected a comma-separated list of event, gap, upstream, call, got "callfile"',
    );
  });
});
