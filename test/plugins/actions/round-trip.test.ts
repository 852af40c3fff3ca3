/** POST /v1/actions over real HTTP against the simulated PBX: answers, lists, Command, wire headers, metrics. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { AmiMessage } from "../../../core/message.ts";
import { waitUntil, type TestBridge } from "../../support/bridge.ts";
import { leaks, postAction, startActionsBridge } from "./helpers.ts";

let t: TestBridge;

beforeAll(async () => {
  t = await startActionsBridge();
});

afterAll(async () => {
  await t.close();
});

/** Collects the upstream's events until the returned function is called. */
function watchEvents(server = "pbx1"): { events: AmiMessage[]; stop: () => void } {
  const events: AmiMessage[] = [];
  const stop = t.bridge.upstreams.get(server)!.client.on("event", (event) => events.push(event));
  return { events, stop };
}

describe("actions: round trips", () => {
  test("Ping answers with the response headers, the server and a namespaced ActionID", async () => {
    const answer = await postAction(t, "Ping");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toContain("application/json");
    expect(answer.body).toMatchObject({ ok: true, server: "pbx1", action: "Ping", response: { Response: "Success", Ping: "Pong" } });
    expect(answer.body.actionId).toMatch(/^amib-/);
    expect(answer.body.response.ActionID).toBe(answer.body.actionId);
    expect(typeof answer.body.latencyMs).toBe("number");
    expect(answer.body.items).toBeUndefined();
  });

  test("an empty JSON object and a body with JSON content type work alike", async () => {
    const answer = await postAction(t, "ping", {});
    expect(answer.status).toBe(200);
    expect(answer.body.action).toBe("ping");
  });

  test("CoreShowChannels collects the list items and the Complete event", async () => {
    const originated = await postAction(t, "Originate", { Channel: "Local/long@default", Application: "Wait", Data: "10" });
    expect(originated.status).toBe(200);
    await waitUntil(() => t.pbxs.get("pbx1")!.channels.length > 0);
    const answer = await postAction(t, "CoreShowChannels");
    expect(answer.status).toBe(200);
    expect(answer.body.ok).toBe(true);
    expect(answer.body.items.length).toBeGreaterThan(0);
    expect(answer.body.items[0].Event).toBe("CoreShowChannel");
    expect(answer.body.items[0].ActionID).toBe(answer.body.actionId);
    expect(answer.body.complete).toMatchObject({ EventList: "Complete", ListItems: String(answer.body.items.length) });
  });

  test("Command with the command grant answers with its output lines", async () => {
    const answer = await postAction(t, "Command", { Command: "core show version" }, { token: "commander-token" });
    expect(answer.status).toBe(200);
    expect(answer.body.ok).toBe(true);
    expect(answer.body.output.join("\n")).toContain("Asterisk 22");
    expect(answer.body.response.Output).toBeUndefined();
  });

  test("Response: Error is HTTP 200 with ok false and Asterisk's message", async () => {
    const answer = await postAction(t, "Getvar", {});
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ok: false, message: "No variable specified", response: { Response: "Error" } });
  });

  test("arrays repeat a header, Variable objects become name=value, booleans and numbers become text (on the wire)", async () => {
    const watch = watchEvents();
    try {
      const answer = await postAction(t, "UserEvent", { UserEvent: "Probe", Tag: ["a", "b", 3], Flag: false, Count: 7, Variable: { A: "1", B: 2 } });
      expect(answer.status).toBe(200);
      await waitUntil(() => watch.events.some((e) => e.get("ActionID") === answer.body.actionId));
      const event = watch.events.find((e) => e.get("ActionID") === answer.body.actionId)!;
      expect(event.get("UserEvent")).toBe("Probe");
      expect(event.getAll("Tag")).toEqual(["a", "b", "3"]);
      expect(event.get("Flag")).toBe("false");
      expect(event.get("Count")).toBe("7");
      expect(event.getAll("Variable")).toEqual(["A=1", "B=2"]);
    } finally {
      watch.stop();
    }
  });

  test("Originate without Async is sent with Async: true; an explicit Async is left alone", async () => {
    const watch = watchEvents();
    try {
      const answer = await postAction(t, "Originate", { Channel: "Local/100@default", Application: "Wait", Data: "1" });
      expect(answer.status).toBe(200);
      expect(answer.body.message).toBe("Originate successfully queued");
      // The asynchronous flow: the OriginateResponse event comes after the response.
      await waitUntil(() => watch.events.some((e) => e.name === "OriginateResponse" && e.get("ActionID") === answer.body.actionId));
      const explicit = await postAction(t, "Originate", { Channel: "Local/busy@default", Application: "Wait", Data: "1", async: "no" });
      expect(explicit.status).toBe(200);
      // Synchronous: the response waits for the outcome, and a busy line fails.
      expect(explicit.body).toMatchObject({ ok: false, message: "Originate failed" });
    } finally {
      watch.stop();
    }
  });

  test("metrics count the actions by server, action and outcome", async () => {
    await postAction(t, "Ping");
    const text = t.bridge.metrics.render();
    expect(text).toMatch(/amibridge_actions_total\{server="pbx1",action="Ping",outcome="success"\} \d+/);
    expect(text).toMatch(/amibridge_action_duration_seconds_count\{server="pbx1",action="Ping",outcome="success"\} \d+/);
    expect(text).toMatch(/amibridge_actions_total\{server="pbx1",action="Getvar",outcome="error"\} 1/);
  });

  test("an action Asterisk does not know is a 400 naming the action and server, labelled _other", async () => {
    const answer = await postAction(t, "NoSuchThing", { Foo: "bar" });
    expect(answer.status).toBe(400);
    expect(answer.headers.get("content-type")).toBe("application/problem+json");
    expect(answer.body).toMatchObject({ detail: "unknown action NoSuchThing on server pbx1", field: "action" });
    expect(t.bridge.metrics.render()).toContain('amibridge_actions_total{server="pbx1",action="_other",outcome="unknown_action"} 1');
  });

  test("no answer, log line or metric contains the upstream secret", () => {
    expect(t.logs.length).toBeGreaterThan(0);
    expect(leaks(t)).toEqual([]);
  });
});
