/**
 * Actions on the AMI session itself (Events, Logoff, Login, Challenge, Filter) are refused: the
 * bridge's one upstream session is shared by every client, so they would act on all of them.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sessionActionRefusal } from "../../../plugins/actions/session.ts";
import { type TestBridge, waitUntil } from "../../support/bridge.ts";
import { postAction, startActionsBridge } from "./helpers.ts";

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

/** Emits a UserEvent on the PBX; resolves whether the bus published it within a short wait. */
async function eventStillFlows(index: number): Promise<boolean> {
  const before = t.bridge.bus.published.event;
  t.pbxs.get("pbx1")!.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "Check", Index: String(index) });
  return waitUntil(() => t.bridge.bus.published.event > before, 1000).then(
    () => true,
    () => false,
  );
}

describe("actions: session actions are the bridge's", () => {
  const cases: Array<[string, Record<string, unknown> | undefined, string]> = [
    ["Events", { EventMask: "off" }, "event mask for every subscriber"],
    ["events", { EventMask: "off" }, "event mask for every subscriber"],
    ["Logoff", undefined, "would end it for every client"],
    ["LOGOFF", undefined, "would end it for every client"],
    ["Login", { Username: "x", Secret: "y" }, "logged in already"],
    ["Challenge", { AuthType: "MD5" }, "Challenge belongs to a login"],
    ["Filter", { Operation: "Add", Filter: "Event: Nothing" }, "event filter of the session"],
    ["fIlTeR", { Operation: "Add", Filter: "!Event: *" }, "event filter of the session"],
  ];
  for (const [action, body, words] of cases) {
    test(`${action} is a 403 naming why, and nothing is sent`, async () => {
      const before = answered();
      const answer = await postAction(t, action, body, { token: "admin-token" });
      expect(answer.status).toBe(403);
      expect(answer.headers.get("content-type")).toBe("application/problem+json");
      expect(answer.body).toMatchObject({ status: 403, title: "Forbidden", field: "action" });
      expect(answer.body.detail).toContain("the bridge owns the AMI session");
      expect(answer.body.detail).toContain(words);
      expect(answer.body.detail).toBe(sessionActionRefusal(action)!);
      expect(answered()).toBe(before);
      // The shared session is as it was: still ready, events still flowing.
      expect(t.bridge.upstreams.get("pbx1")!.client.state).toBe("ready");
      expect(await eventStillFlows(cases.length)).toBe(true);
    });
  }

  test("other actions still pass, whatever their case", async () => {
    expect(sessionActionRefusal("Ping")).toBeUndefined();
    expect(sessionActionRefusal("EventsX")).toBeUndefined();
    expect(sessionActionRefusal("WaitEvent")).toBeUndefined();
    const ping = await postAction(t, "ping");
    expect(ping.status).toBe(200);
    expect(ping.body.ok).toBe(true);
  });
});
