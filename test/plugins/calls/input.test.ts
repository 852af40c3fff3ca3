/**
 * Bad input and permissions: every refusal is a 400 or 403 naming the field, nothing reaches
 * Asterisk, and the bridge keeps running. Grants (calls, redirect, hangup), the `call` read
 * class, servers, and a token's limits on contexts and channels.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { actionRefusal } from "../../../core/bridge/grants.ts";
import type { TestBridge } from "../../support/bridge.ts";
import { TOKENS, call, startCallsBridge } from "./helpers.ts";

let running: TestBridge;
let originates = 0;
beforeAll(async () => {
  running = await startCallsBridge({ servers: ["pbx1", "pbx2"] });
  running.bridge.bus.listen((entry) => {
    if (entry.type === "call" && entry.fields?.["previous"] === "queued" && entry.fields?.["state"] === "queued") originates++;
  });
});
afterAll(() => running.close());

const dest = { context: "from-internal", exten: "100", server: "pbx1" };

describe("bad input: 400 naming the field, no call placed", () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    ["an application and an extension", { channel: "PJSIP/2001", ...dest, application: "Wait", data: "1" }, "application", /either \{context, exten, priority\} or \{application, data\}/],
    ["a channel without a /", { channel: "PJSIP2001", ...dest }, "channel", /Tech\/Resource/],
    ["a negative timeout", { channel: "PJSIP/2001", ...dest, timeoutMs: -5 }, "timeoutMs", /at least 1/],
    ["a timeout that is not a number", { channel: "PJSIP/2001", ...dest, timeoutMs: "30" }, "timeoutMs", /number of milliseconds/],
    ["a variable name with =", { channel: "PJSIP/2001", ...dest, variables: { "A=B": "1" } }, "variables", /without =/],
    ["a variable name with a line break", { channel: "PJSIP/2001", ...dest, variables: { "A\r\nAction: Command": "1" } }, "variables", /CR or LF/],
    ["a variable value with a line break", { channel: "PJSIP/2001", ...dest, variables: { A: "1\r\nAction: Command" } }, "variables.A", /CR or LF/],
    ["a caller id with a line break", { channel: "PJSIP/2001", ...dest, callerId: "x\nAction: Logoff" }, "callerId", /CR or LF/],
    ["no destination", { channel: "PJSIP/2001", server: "pbx1" }, "context", /expected a destination/],
    ["an unknown field", { channel: "PJSIP/2001", ...dest, Channel: "PJSIP/9" }, "Channel", /unknown field/],
    ["an unknown server", { channel: "PJSIP/2001", context: "from-internal", exten: "100", server: "pbx9" }, "server", /one of pbx1, pbx2/],
    ["no server with two upstreams", { channel: "PJSIP/2001", context: "from-internal", exten: "100" }, "server", /got none/],
    ["a priority of 0", { channel: "PJSIP/2001", ...dest, priority: 0 }, "priority", /at least 1/],
  ];
  for (const [what, body, field, detail] of cases) {
    test(what, async () => {
      const before = originates;
      const answer = await call(running, "POST", "/v1/calls", body);
      expect({ status: answer.status, field: answer.body.field }).toEqual({ status: 400, field });
      expect(answer.body.detail).toMatch(detail);
      expect(originates).toBe(before);
    });
  }

  test("not JSON is 415, a JSON array is 400; bad query values name the parameter", async () => {
    const text = await fetch(`${running.baseUrl}/v1/calls`, { method: "POST", headers: { authorization: "Bearer ops-calls-token-0123456789", "content-type": "text/plain" }, body: "channel=PJSIP/2001" });
    expect(text.status).toBe(415);
    expect((await call(running, "POST", "/v1/calls", [])).body).toMatchObject({ status: 400, field: "body" });
    expect((await call(running, "GET", "/v1/calls?state=talking")).body.field).toBe("state");
    expect((await call(running, "DELETE", "/v1/channels/x?cause=200&server=pbx1")).body.field).toBe("cause");
    expect((await call(running, "POST", "/v1/channels/x/redirect", { context: "a" })).body.field).toBe("exten");
  });
});

describe("permissions: 403 naming what is missing", () => {
  test("placing needs the calls grant; reading needs the call class; servers are enforced", async () => {
    const noGrant = await call(running, "POST", "/v1/calls", { channel: "PJSIP/2001", ...dest }, "reader");
    expect(noGrant).toMatchObject({ status: 403, body: { field: "grant" } });
    expect(noGrant.body.detail).toContain('"calls" grant');
    expect((await call(running, "GET", "/v1/calls", undefined, "no-call-class")).body).toMatchObject({ status: 403, field: "read" });
    expect((await call(running, "GET", "/v1/channels", undefined, "no-call-class")).body).toMatchObject({ status: 403, field: "read" });
    expect((await call(running, "POST", "/v1/calls", { channel: "PJSIP/2001", ...dest }, "pbx2-only")).body).toMatchObject({ status: 403, field: "server" });
    expect((await call(running, "DELETE", "/v1/channels/x?server=pbx1", undefined, "reader")).status).toBe(404);
  });

  test("a CRM token reaches only PJSIP/2* into from-crm or crm-*, never an application, another technology or a smuggled URI", async () => {
    const refused: Array<[Record<string, unknown>, string]> = [
      [{ channel: "PJSIP/2001", context: "from-internal", exten: "100" }, "context"],
      [{ channel: "PJSIP/3001", context: "from-crm", exten: "100" }, "channel"],
      [{ channel: "Local/100@from-internal", context: "from-crm", exten: "100" }, "channel"],
      [{ channel: "PJSIP/2001/sip:+19005550100@carrier", context: "from-crm", exten: "100" }, "channel"],
      [{ channel: "PJSIP/2001", application: "Wait", data: "1" }, "application"],
    ];
    for (const [body, field] of refused) {
      const answer = await call(running, "POST", "/v1/calls", { ...body, server: "pbx1" }, "crm");
      expect({ body, status: answer.status, field: answer.body.field }).toEqual({ body, status: 403, field });
    }
    const allowed = await call(running, "POST", "/v1/calls", { channel: "PJSIP/2001", context: "crm-outbound", exten: "100", server: "pbx1" }, "crm");
    expect(allowed.status).toBe(202);
    // The limits cannot be dodged through the raw actions route either.
    const crm = TOKENS.find((t) => t.name === "crm")!;
    for (const action of ["Originate", "redirect", "Hangup"]) expect(actionRefusal(crm, action, {})).toContain("use /v1/calls and /v1/channels");
    expect(actionRefusal(crm, "Ping", {})).toBeUndefined();
  });

  test("an Originate of System needs the system grant even with the calls grant", async () => {
    const answer = await call(running, "POST", "/v1/calls", { channel: "PJSIP/2001", application: "System", data: "touch /tmp/x", server: "pbx1" });
    expect(answer).toMatchObject({ status: 403, body: { field: "application" } });
    expect(answer.body.detail).toContain('"system" grant');
  });

  test("the bridge still answers after all of that", async () => {
    const answer = await call(running, "GET", "/v1/calls?server=pbx1");
    expect(answer.status).toBe(200);
  });
});
