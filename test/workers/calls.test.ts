/**
 * Call tracking at the edge under real workerd (spawned as a child process, so every test runtime
 * runs it), against the simulated PBX in this process: the `AmiUpstream` Durable Object runs the
 * calls plugin on the bus it keeps, so `POST /v1/calls` and `GET /v1/calls/{id}?wait=ended` follow
 * the call through the object's own AMI session, over `cloudflare:sockets` (ami://) and over
 * AMI-over-HTTP fetch (http://…/rawman); a call by id is found without `?server=`; without the
 * object, the calls routes say what to bind.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SimulatedPbx } from "../../core/sim/mod.ts";
import { currentRuntime } from "../support/runtime.ts";
import { startWorkerd, type Workerd } from "../support/workerd.ts";

const runtime = await currentRuntime();
const TOKEN = "edge-calls-token-0123456789abcdef";
const auth = { authorization: `Bearer ${TOKEN}` };
let pbx: SimulatedPbx;
let withObjects: Workerd;
let alone: Workerd;

beforeAll(async () => {
  pbx = new SimulatedPbx({ listen: runtime.listen, serve: runtime.serve, authFailureDelayMs: 20, callTiming: { setupMs: 1, answerMs: 5, talkMs: 20, longCallMs: 10_000 } });
  const tcpUrl = `ami://hello:world@127.0.0.1:${(await pbx.start()).port}`;
  const httpUrl = `http://hello:world@127.0.0.1:${(await pbx.startHttp()).port}/rawman`;
  const config = JSON.stringify({ upstreams: [{ name: "tcp", url: tcpUrl }, { name: "web", url: httpUrl }] });
  [withObjects, alone] = await Promise.all([
    startWorkerd(runtime, { durableObjects: true, bindings: { AMIBRIDGE_CONFIG: config, AMIBRIDGE_TOKEN: TOKEN } }),
    startWorkerd(runtime, { durableObjects: false, bindings: { AMI_URL: tcpUrl, AMIBRIDGE_TOKEN: TOKEN } }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([withObjects?.stop(), alone?.stop()]);
  await pbx.close();
});

async function send(method: string, url: string, body?: unknown): Promise<{ status: number; headers: Headers; json: any }> {
  const init: RequestInit = { method, headers: { ...auth, ...(body === undefined ? {} : { "content-type": "application/json" }) } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(url, init);
  return { status: response.status, headers: response.headers, json: await response.json() };
}

for (const server of ["tcp", "web"]) {
  describe(`under workerd, with the Durable Object, upstream ${server}: calls`, () => {
    test("POST /v1/calls places a call through the object's AMI session; ?wait=ended follows it to its end", async () => {
      const id = `edge-call-${server}`;
      const placed = await send("POST", `${withObjects.base}/v1/calls`, { id, server, channel: "PJSIP/2001", context: "from-internal", exten: "100", callerId: "CRM <100>" });
      expect(placed.status).toBe(202);
      expect(placed.json).toMatchObject({ id, server, request: { channel: "PJSIP/2001", context: "from-internal", exten: "100", priority: 1 } });
      expect(placed.json.history[0]).toMatchObject({ state: "queued", detail: "Originate sent (Async)" });
      expect(placed.headers.get("location")).toBe(`/v1/calls/${id}`);
      // The call's URL as given, without ?server=: the worker finds the object that tracks it.
      const done = await send("GET", `${withObjects.base}${placed.headers.get("location")}?wait=ended&timeoutMs=10000`);
      expect(done.status).toBe(200);
      expect(done.json.reached).toBe(true);
      expect(done.json.history.map((step: { state: string }) => step.state)).toEqual(["queued", "dialing", "ringing", "answered", "ended"]);
      expect(done.json).toMatchObject({ id, server, state: "ended", cause: 16 });
      expect(done.json.channel).toMatch(/^PJSIP\/2001-[0-9a-f]{8}$/);
      // The object that placed it saw its OriginateResponse on the same session: the phone answered.
      expect(done.json.answeredAt).toBeGreaterThan(0);
      // Listed by that object, and only by it.
      const listed = await send("GET", `${withObjects.base}/v1/calls?server=${server}`);
      expect(listed.json.calls.map((call: { id: string }) => call.id)).toContain(id);
      const other = await send("GET", `${withObjects.base}/v1/calls?server=${server === "tcp" ? "web" : "tcp"}`);
      expect(other.json.calls.map((call: { id: string }) => call.id)).not.toContain(id);
    }, 30_000);

    test("a busy phone (PJSIP/500 in the simulator): failed with reason busy, from the OriginateResponse", async () => {
      const placed = await send("POST", `${withObjects.base}/v1/calls?server=${server}`, { channel: "PJSIP/500", context: "from-internal", exten: "100" });
      expect(placed.status).toBe(202);
      const done = await send("GET", `${withObjects.base}${placed.json.url}?wait=ended&timeoutMs=10000&server=${server}`);
      expect(done.json).toMatchObject({ state: "failed", reason: "busy" });
    }, 30_000);
  });
}

describe("under workerd, with the Durable Object: routing calls", () => {
  test("a call id no object tracks is a 404, a call without a server over several upstreams a 400 naming them", async () => {
    const missing = await send("GET", `${withObjects.base}/v1/calls/no-such-call`);
    expect(missing.status).toBe(404);
    expect(missing.json.detail).toContain("no-such-call");
    const unnamed = await send("POST", `${withObjects.base}/v1/calls`, { channel: "PJSIP/2001", context: "from-internal", exten: "100" });
    expect(unnamed.status).toBe(400);
    expect(unnamed.json.detail).toContain("tcp, web");
    const unknown = await send("POST", `${withObjects.base}/v1/calls`, { server: "nope", channel: "PJSIP/2001", context: "from-internal", exten: "100" });
    expect(unknown.status).toBe(400);
    expect(unknown.json.detail).toContain('"nope"');
    const list = await send("GET", `${withObjects.base}/v1/channels`);
    expect(list.status).toBe(400);
    expect(list.json.detail).toContain("tcp, web");
  }, 20_000);
});

describe("under workerd, without a Durable Object: calls", () => {
  test("the calls and channels routes say they need the Durable Object", async () => {
    for (const path of ["/v1/calls", "/v1/calls/x?wait=ended", "/v1/channels"]) {
      const response = await send("GET", `${alone.base}${path}`);
      expect(response.status).toBe(501);
      expect(response.json.detail).toContain("AMI_UPSTREAM");
    }
    const placed = await send("POST", `${alone.base}/v1/calls`, { channel: "PJSIP/2001", context: "from-internal", exten: "100" });
    expect(placed.status).toBe(501);
    expect(placed.json.detail).toContain("AmiUpstream");
  });
});
