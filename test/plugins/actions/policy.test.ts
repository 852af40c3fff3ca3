/** Token policy on POST /v1/actions: allow/deny lists and the dangerous grants, checked before anything is sent. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { actionRefusal } from "../../../core/bridge/grants.ts";
import type { TestBridge } from "../../support/bridge.ts";
import { postAction, startActionsBridge, TOKENS } from "./helpers.ts";

let t: TestBridge;

beforeAll(async () => {
  t = await startActionsBridge();
});

afterAll(async () => {
  await t.close();
});

/** Actions the upstream client has had answered (responses, not events). */
const answered = (): number => {
  const { stats } = t.bridge.upstreams.get("pbx1")!.client;
  return stats.messagesReceived - stats.eventsReceived;
};

const policy = (name: string) => TOKENS.find((token) => token.name === name)!;

describe("actions: token policy", () => {
  test("Command without the command grant is a 403 with actionRefusal's words, and is not sent", async () => {
    const before = answered();
    const answer = await postAction(t, "command", { Command: "core show version" }, { token: "ops-token" });
    expect(answer.status).toBe(403);
    expect(answer.headers.get("content-type")).toBe("application/problem+json");
    expect(answer.body.detail).toBe(actionRefusal(policy("ops"), "command", { Command: ["core show version"] })!);
    expect(answer.body.detail).toContain('"command" grant');
    expect(answer.body.field).toBe("action");
    expect(answered()).toBe(before);
  });

  test("an Originate of Application System needs the system grant", async () => {
    const body = { Channel: "Local/100@default", Application: "System", Data: "touch /tmp/x" };
    const before = answered();
    for (const token of ["ops-token", "commander-token"]) {
      const answer = await postAction(t, "Originate", body, { token });
      expect(answer.status).toBe(403);
      expect(answer.body.detail).toContain('"system" grant');
    }
    expect(answered()).toBe(before);
    expect(t.pbxs.get("pbx1")!.channels.length).toBe(0);
    // The policy lets it through; what the simulated PBX makes of it does not matter here.
    const allowed = await postAction(t, "Originate", body, { token: "admin-token" });
    expect(allowed.status).not.toBe(403);
    expect(allowed.status).toBe(200);
  });

  test("SHELL() in a Variable object or in Data of an Originate needs the system grant too", async () => {
    const variable = await postAction(t, "Originate", { Channel: "Local/100@default", Exten: "100", Variable: { X: "${SHELL(id)}" } });
    expect(variable.status).toBe(403);
    const data = await postAction(t, "originate", { Channel: "Local/100@default", Application: "Wait", Data: "${EVAL(x)}" });
    expect(data.status).toBe(403);
    const setvar = await postAction(t, "Setvar", { Variable: "X", Value: "${SHELL(id)}" });
    expect(setvar.status).toBe(403);
  });

  test("an action outside the allow list or on the deny list is a 403 naming the token", async () => {
    const notAllowed = await postAction(t, "CoreStatus", undefined, { token: "pinger-token" });
    expect(notAllowed.status).toBe(403);
    expect(notAllowed.body.detail).toContain('token "pinger" is not allowed the action CoreStatus');
    expect((await postAction(t, "ping", undefined, { token: "pinger-token" })).status).toBe(200);
    const denied = await postAction(t, "Originate", { Channel: "Local/100@default", Exten: "100" }, { token: "no-originate-token" });
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toContain("denied the action Originate");
  });

  test("an unknown token is a 401 and never reaches the policy", async () => {
    const answer = await postAction(t, "Ping", undefined, { token: "nobody" });
    expect(answer.status).toBe(401);
  });

  test("refusals are counted as forbidden", () => {
    expect(t.bridge.metrics.render()).toMatch(/amibridge_actions_total\{server="pbx1",action="[^"]+",outcome="forbidden"\} \d+/);
  });
});
