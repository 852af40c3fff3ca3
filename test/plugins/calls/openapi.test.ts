/** Every route of the calls plugin is in /v1/openapi.json, with the request schema it validates with. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { callsPlugin } from "../../../plugins/calls/mod.ts";
import { openapiPlugin } from "../../../plugins/openapi/mod.ts";
import { type TestBridge, startTestBridge } from "../../support/bridge.ts";

let running: TestBridge;
let doc: any;
beforeAll(async () => {
  running = await startTestBridge({ plugins: [callsPlugin, openapiPlugin], auth: { mode: "open" } });
  doc = await (await fetch(`${running.baseUrl}/v1/openapi.json`)).json();
});
afterAll(() => running.close());

describe("calls plugin in OpenAPI", () => {
  test("every route the plugin serves is described, with problems for the faults it answers", () => {
    const served = running.bridge.app.routes
      .filter((route) => route.path.startsWith("/v1/calls") || route.path.startsWith("/v1/channels"))
      .map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:(\w+)/g, "{$1}")}`)
      .sort();
    expect(served).toEqual([
      "delete /v1/calls/{id}",
      "delete /v1/channels/{id}",
      "get /v1/calls",
      "get /v1/calls/{id}",
      "get /v1/channels",
      "get /v1/channels/{id}",
      "post /v1/calls",
      "post /v1/channels/{id}/redirect",
    ]);
    for (const entry of served) {
      const [method, path] = entry.split(" ") as [string, string];
      const operation = doc.paths[path]?.[method];
      expect({ entry, described: operation !== undefined }).toEqual({ entry, described: true });
      expect({ entry, has403: "403" in operation.responses }).toEqual({ entry, has403: true });
    }
  });

  test("POST /v1/calls documents every field of the request and the 202 call", () => {
    const post = doc.paths["/v1/calls"].post;
    const schema = post.requestBody.content["application/json"].schema;
    expect(Object.keys(schema.properties).sort()).toEqual(["account", "application", "callerId", "channel", "codecs", "context", "data", "earlyMedia", "exten", "id", "priority", "server", "timeoutMs", "variables"]);
    expect(schema.required).toEqual(["channel"]);
    expect(schema.properties.timeoutMs.minimum).toBe(1);
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(["202", "400", "403", "409", "422", "503"]));
    expect(post.responses["202"].content["application/json"].schema.properties.state.enum).toEqual(["queued", "dialing", "ringing", "answered", "bridged", "ended", "failed"]);
    expect(doc.paths["/v1/calls/{id}"].get.parameters.map((p: any) => p.name).sort()).toEqual(["id", "timeoutMs", "wait"]);
  });
});
