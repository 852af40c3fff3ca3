/** POST /v1/actions with several upstreams, unready or lost upstreams, deadlines and concurrent bad requests. */
import { afterEach, describe, expect, test } from "bun:test";
import type { AmiMessage } from "../../../core/message.ts";
import { waitUntil, type TestBridge } from "../../support/bridge.ts";
import { leaks, postAction, startActionsBridge } from "./helpers.ts";

const open: TestBridge[] = [];

afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((bridge) => bridge.close()));
});

async function start(options: Parameters<typeof startActionsBridge>[0] = {}): Promise<TestBridge> {
  const bridge = await startActionsBridge(options);
  open.push(bridge);
  return bridge;
}

describe("actions: upstreams", () => {
  test("with two upstreams, ?server= routes the action, and leaving it out is a 400 naming both", async () => {
    const t = await start({ servers: ["pbx1", "pbx2"] });
    const seen: Record<string, AmiMessage[]> = { pbx1: [], pbx2: [] };
    for (const name of ["pbx1", "pbx2"]) t.bridge.upstreams.get(name)!.client.on("event", (event) => seen[name]!.push(event));
    const answer = await postAction(t, "UserEvent", { UserEvent: "Where" }, { server: "pbx2" });
    expect(answer.status).toBe(200);
    expect(answer.body.server).toBe("pbx2");
    await waitUntil(() => seen["pbx2"]!.some((e) => e.get("ActionID") === answer.body.actionId));
    expect(seen["pbx1"]!.some((e) => e.get("UserEvent") === "Where")).toBe(false);

    const missing = await postAction(t, "Ping");
    expect(missing.status).toBe(400);
    expect(missing.body.field).toBe("server");
    expect(missing.body.detail).toContain("pbx1, pbx2");
    expect((await postAction(t, "Ping", undefined, { server: "pbx1" })).body.server).toBe("pbx1");
  });

  test("a token limited to some servers gets a 403 on the others", async () => {
    const t = await start({ servers: ["pbx1", "pbx2"] });
    expect((await postAction(t, "Ping", undefined, { server: "pbx1", token: "pinger-token" })).status).toBe(200);
    const refused = await postAction(t, "Ping", undefined, { server: "pbx2", token: "pinger-token" });
    expect(refused.status).toBe(403);
    expect(refused.body.field).toBe("server");
    expect(refused.body.detail).toContain("may not use server pbx2");
  });

  test("an upstream that is down is a 503 with Retry-After and its state", async () => {
    const t = await start();
    await t.pbxs.get("pbx1")!.close();
    await waitUntil(() => t.bridge.upstreams.get("pbx1")!.client.state !== "ready");
    const answer = await postAction(t, "Ping");
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(answer.body.server).toBe("pbx1");
    expect(["connecting", "reconnecting"]).toContain(answer.body.state);
    expect(answer.body.detail).toContain(answer.body.state);
  });

  test("an answer later than the plugin's timeoutMs is a 504", async () => {
    const t = await start({ timeoutMs: 200 });
    // A synchronous Originate holds the AMI session; the Ping behind it cannot be answered in time.
    const blocking = postAction(t, "Originate", { Channel: "Local/noanswer@default", Exten: "s", Async: false, Timeout: 1500 });
    await waitUntil(() => t.bridge.upstreams.get("pbx1")!.client.pendingActions === 1);
    const late = await postAction(t, "Ping");
    expect(late.status).toBe(504);
    expect(late.body.detail).toContain("did not answer Ping in time");
    // The Originate itself gets its own duration on top of timeoutMs.
    const originate = await blocking;
    expect(originate.status).toBe(200);
    expect(originate.body).toMatchObject({ ok: false, message: "Originate failed" });
    expect(t.bridge.metrics.render()).toContain('outcome="timeout"');
  }, 10_000);

  test("a connection lost before the answer is a 502, and the action is not re-sent", async () => {
    const t = await start();
    const pending = postAction(t, "Originate", { Channel: "Local/noanswer@default", Exten: "s", Async: "false", Timeout: 10_000 });
    await waitUntil(() => t.bridge.upstreams.get("pbx1")!.client.pendingActions === 1);
    // Cut the session the way a crash would: no answer for what is in flight.
    for (const session of t.pbxs.get("pbx1")!.sessions) session.drop("server-closed");
    const answer = await pending;
    expect(answer.status).toBe(502);
    expect(answer.body.detail).toContain("not re-sent");
    expect(leaks(t)).toEqual([]);
  });

  test("bad requests do not disturb a concurrent good one", async () => {
    const t = await start();
    const long = "x".repeat(2000);
    const [good, ...bad] = await Promise.all([
      postAction(t, "Originate", { Channel: "Local/busy@default", Exten: "s", Async: false }),
      postAction(t, "Ping", { Foo: "a\r\nAction: Command\r\nCommand: core stop now" }),
      postAction(t, "Ping", { Data: long }),
      postAction(t, "Ping", "{oops"),
      postAction(t, "NoSuchAction"),
      postAction(t, "Command", { Command: "core stop now" }),
      postAction(t, "Ping", undefined, { server: "pbx9" }),
    ]);
    expect(bad.map((answer) => answer.status)).toEqual([400, 400, 400, 400, 403, 400]);
    expect(good!.status).toBe(200);
    expect(good!.body).toMatchObject({ ok: false, message: "Originate failed" });
    expect(t.bridge.upstreams.get("pbx1")!.client.state).toBe("ready");
    expect((await postAction(t, "Ping")).status).toBe(200);
  });
});
