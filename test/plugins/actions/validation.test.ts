/** Bad requests to POST /v1/actions: each is a problem+json naming its field, and nothing reaches Asterisk. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { TestBridge } from "../../support/bridge.ts";
import { postAction, startActionsBridge, type Answer } from "./helpers.ts";

let t: TestBridge;
let responsesBefore = 0;

/** Responses the upstream client got: messages that were not events (no lists are sent here). */
const responses = (): number => {
  const { stats } = t.bridge.upstreams.get("pbx1")!.client;
  return stats.messagesReceived - stats.eventsReceived;
};

beforeAll(async () => {
  t = await startActionsBridge();
  responsesBefore = responses();
});

afterAll(async () => {
  await t.close();
});

function expectProblem(answer: Answer, status: number, field: string, detail?: string | RegExp): void {
  expect({ status: answer.status, type: answer.headers.get("content-type") }).toEqual({ status, type: "application/problem+json" });
  expect(answer.body.status).toBe(status);
  expect(answer.body.field).toBe(field);
  if (typeof detail === "string") expect(answer.body.detail).toContain(detail);
  else if (detail) expect(answer.body.detail).toMatch(detail);
}

const headers = (count: number): Record<string, string> => Object.fromEntries(Array.from({ length: count }, (_, i) => [`X-H${i}`, "v"]));

describe("actions: bad input", () => {
  test("a body that is not JSON is a 400 saying so (with the parser's words)", async () => {
    const answer = await postAction(t, "Ping", '{"Foo": ');
    expectProblem(answer, 400, "body", "invalid JSON: ");
  });

  test.each([
    ["[1, 2]", "an array"],
    ['"text"', "a string"],
    ["null", "null"],
    ["42", "a number"],
  ])("a JSON body %s is a 400: expected an object", async (body, kind) => {
    expectProblem(await postAction(t, "Ping", body), 400, "body", `got ${kind}`);
  });

  test.each([
    ['{"__proto__": {"Foo": "1"}}', "__proto__"],
    ['{"Channel": "Local/1@default", "constructor": "x"}', "constructor"],
    ['{"prototype": 1}', "prototype"],
    ['{"Variable": {"A": "1", "__proto__": "2"}}', "Variable.__proto__"],
    ['{"Variable": {"constructor": "2"}}', "Variable.constructor"],
    ['{"Foo": [{"prototype": "x"}]}', "Foo[0].prototype"],
  ])("a prototype key in %s is a 400 naming %s, not silently dropped", async (body, path) => {
    const before = responses();
    const answer = await postAction(t, "Ping", body);
    expectProblem(answer, 400, path, `body key ${path}:`);
    expect(answer.body.detail).toContain("refused rather than silently dropped");
    expect(responses()).toBe(before);
  });

  test("a body nested 30,000 deep is a 400, not a stack overflow", async () => {
    const deep = `{"Foo": ${"[".repeat(30_000)}${"]".repeat(30_000)}}`;
    const answer = await postAction(t, "Ping", deep);
    expect(answer.status).toBe(400);
    expect(answer.headers.get("content-type")).toBe("application/problem+json");
  });

  test("a body that is not sent as JSON is a 415", async () => {
    expectProblem(await postAction(t, "Ping", "Foo=bar", { contentType: "application/x-www-form-urlencoded" }), 415, "Content-Type", "application/x-www-form-urlencoded");
    expectProblem(await postAction(t, "Ping", '{"Foo":"bar"}', { contentType: null }), 415, "Content-Type", "got none");
  });

  test("JSON with a charset parameter or a +json type is accepted", async () => {
    expect((await postAction(t, "UserEvent", { UserEvent: "x" }, { contentType: "application/json; charset=utf-8" })).status).toBe(200);
    expect((await postAction(t, "UserEvent", { UserEvent: "x" }, { contentType: "application/merge-patch+json" })).status).toBe(200);
  });

  test.each([["Bad Name"], ["Colon:"], ["Line\r\nBreak"], ["ünïcode"], [""]])("header name %j is a 400 naming it", async (name) => {
    const answer = await postAction(t, "Ping", { [name]: "x" });
    expectProblem(answer, 400, name, `header name ${JSON.stringify(name)}`);
  });

  test("a value with CR or LF is a 400 naming the header, wherever the value is", async () => {
    expectProblem(await postAction(t, "Ping", { Foo: "a\r\nAction: Command" }), 400, "Foo", /header "Foo": .*CR or LF/);
    expectProblem(await postAction(t, "Ping", { Foo: ["ok", "b\nc"] }), 400, "Foo", 'header "Foo"[1]');
    expectProblem(await postAction(t, "Ping", { Variable: { A: "1\r" } }), 400, "Variable", 'header "Variable".A');
    expectProblem(await postAction(t, "Ping", { Variable: { "A\nB": "1" } }), 400, "Variable", "variable name");
  });

  test("values of the wrong kind are 400s naming the header", async () => {
    expectProblem(await postAction(t, "Ping", { Foo: null }), 400, "Foo", 'header "Foo"');
    expectProblem(await postAction(t, "Ping", { Foo: [{}] }), 400, "Foo", 'header "Foo"');
    expectProblem(await postAction(t, "Ping", { Foo: { a: "1" } }), 400, "Foo", "only Variable takes an object");
    expectProblem(await postAction(t, "Ping", '{"Foo": 1e999}'), 400, "Foo", 'header "Foo"');
  });

  test.each([["Action"], ["ActionID"], ["actionid"], ["ACTION"]])("a body header %s is a 400: the bridge sets it", async (name) => {
    expectProblem(await postAction(t, "Ping", { [name]: "Command" }), 400, name, "set by the bridge");
  });

  test.each([["1Ping"], ["Pi-ng"], ["Ping%0D%0AAction:%20Command"], ["_Ping"]])("action name %s is a 400 naming the action", async (name) => {
    expectProblem(await postAction(t, name), 400, "action", "expected an action name");
  });

  test("more headers than Asterisk reads is a 400 from the encoder's check", async () => {
    // 126 headers plus Action and ActionID: exactly Asterisk's 128.
    expect((await postAction(t, "Ping", headers(126))).status).toBe(200);
    expectProblem(await postAction(t, "Ping", headers(127)), 400, "body", "at most 128 headers");
  });

  test("a line longer than Asterisk's 1024 bytes is a 400 naming the header", async () => {
    expectProblem(await postAction(t, "Ping", { Data: "x".repeat(1100) }), 400, "Data", /1024 bytes/);
    expectProblem(await postAction(t, "Ping", { Variable: { LONG: "é".repeat(600) } }), 400, "Variable", /1024 bytes/);
    expect((await postAction(t, "Ping", { Data: "x".repeat(1000) })).status).toBe(200);
  });

  test("a body over maxBodyBytes is a 413", async () => {
    const answer = await postAction(t, "Ping", { Data: "x".repeat(70 * 1024) });
    expect(answer.status).toBe(413);
    expect(answer.headers.get("content-type")).toBe("application/problem+json");
    expect(answer.body.detail).toContain("65536");
  });

  test("an unknown server is a 400 naming the choices", async () => {
    expectProblem(await postAction(t, "Ping", undefined, { server: "nope" }), 400, "server", "pbx1");
  });

  test("no token is a 401", async () => {
    const answer = await postAction(t, "Ping", undefined, { token: null });
    expect(answer.status).toBe(401);
  });

  test("none of the refused requests reached Asterisk", () => {
    // Only the accepted requests above were sent: 2 UserEvents and 2 Pings.
    expect(responses() - responsesBefore).toBe(4);
  });
});
