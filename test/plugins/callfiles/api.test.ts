/**
 * `/v1/callfiles` end to end: a real bridge over the simulated PBX, both on one real spool
 * folder. Jobs go scheduled/queued → dialing → retrying → outcome, each step a `callfile` notice
 * (also on SSE), are linked to their channels by the AMI events, can be cancelled before they
 * are due, and are rebuilt from the folders after a restart.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { parseCallFile } from "../../../core/callfile/parse.ts";
import { SseReader } from "../../support/sse.ts";
import { removeTempFolders, tree } from "../../callfile/helpers.ts";
import { type CallFilesBridge, startCallFilesBridge, statesOf } from "./helpers.ts";

const TIMEOUT = 20_000;
let running: CallFilesBridge | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
});
afterAll(removeTempFolders);

async function start(options: Parameters<typeof startCallFilesBridge>[0] = {}): Promise<CallFilesBridge> {
  running = await startCallFilesBridge(options);
  return running;
}

async function jobState(bridge: CallFilesBridge, id: string, states: string[], timeoutMs = 8000): Promise<any> {
  let last: any;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    last = (await bridge.api("GET", `/v1/callfiles/${id}`)).json;
    if (states.includes(last.state)) return last;
    if (Date.now() > deadline) throw new Error(`expected job ${id} to reach ${states.join(" or ")}, it is ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("POST /v1/callfiles", () => {
  test("a call due now is queued, dialled and completed; the job follows its channels, the notices tell each step", async () => {
    const bridge = await start();
    const { status, json, headers } = await bridge.api("POST", "/v1/callfiles", { body: { channel: "Local/100@test", application: "Wait", data: "1", callerId: '"Call File" <7000>', variables: { CALLFILE: "yes" } } });
    expect(status).toBe(201);
    expect(json).toMatchObject({ server: "pbx1", state: "queued", attempts: 0, maxAttempts: 1, channel: "Local/100@test", target: "Wait(1)", archive: true, file: `amibridge-${json.id}.call` });
    expect(json.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(headers.get("location")).toBe(`/v1/callfiles/${json.id}`);
    let done = await jobState(bridge, json.id, ["completed"]);
    expect(done).toMatchObject({ outcome: "completed", attempts: 1 });
    // The spool folder and the AMI events are two paths: on a busy machine the archived file can
    // be seen before the channel's VarSet arrives, which is then still linked to the job.
    for (const deadline = Date.now() + 5000; done.channels.length === 0 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      done = (await bridge.api("GET", `/v1/callfiles/${json.id}`)).json;
    }
    expect(done.channels[0]).toMatch(/^Local\/100@test-[0-9a-f]{8};1$/);
    expect(done.state).toBe("completed");
    expect(statesOf(bridge.notices, json.id)).toEqual(["queued", "dialing:1", "completed:1"]);
    expect(bridge.notices.at(-1)).toMatchObject({ id: json.id, state: "completed", previous: "dialing", outcome: "completed" });
    const archived = parseCallFile(await bridge.files.readText(`${bridge.dir}/outgoing_done/${json.file}`));
    expect(archived).toMatchObject({ status: "Completed", startRetries: 1 });
    expect(archived.variables[0]).toEqual(["AMIBRIDGE_JOB", json.id]);
    // The hangup of its channel is on the job once the call cleared.
    const cleared = await (async () => {
      for (let i = 0; i < 200; i++) {
        const job = (await bridge.api("GET", `/v1/callfiles/${json.id}`)).json;
        if (job.hangupCause !== undefined) return job;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return undefined;
    })();
    expect(cleared).toMatchObject({ hangupCause: expect.any(Number) });
  }, TIMEOUT);

  test("a busy destination with MaxRetries 1: dialing 1, retrying 1, dialing 2, expired", async () => {
    const bridge = await start();
    const { json } = await bridge.api("POST", "/v1/callfiles", { body: { channel: "Local/busy@test", context: "test", extension: "100", maxRetries: 1, retryTime: 1 } });
    const retrying = await jobState(bridge, json.id, ["retrying"]);
    expect(retrying).toMatchObject({ attempts: 1, maxAttempts: 2 });
    expect(Date.parse(retrying.dueAt)).toBeGreaterThan(Date.now() - 1000);
    const expired = await jobState(bridge, json.id, ["expired"]);
    expect(expired).toMatchObject({ outcome: "expired", attempts: 2 });
    // Both legs of each attempt's Local pair carry the job variable.
    expect(expired.channels.map((name: string) => name.replace(/-[0-9a-f]{8};/, "-N;"))).toEqual(["Local/busy@test-N;1", "Local/busy@test-N;2", "Local/busy@test-N;1", "Local/busy@test-N;2"]);
    expect(statesOf(bridge.notices, json.id)).toEqual(["queued", "dialing:1", "retrying:1", "dialing:2", "expired:2"]);
  }, TIMEOUT);

  test("notBefore schedules it: the file's mtime is the due time, the PBX waits; DELETE cancels it, a second DELETE is too late", async () => {
    const bridge = await start();
    const { status, json } = await bridge.api("POST", "/v1/callfiles", { body: { channel: "PJSIP/2001", context: "from-internal", extension: "100", notBefore: "+2m" } });
    expect(status).toBe(201);
    expect(json.state).toBe("scheduled");
    const due = Date.parse(json.dueAt);
    expect(due % 1000).toBe(0);
    expect(due - Date.now()).toBeGreaterThan(115_000);
    expect((await bridge.files.stat(`${bridge.dir}/outgoing/${json.file}`)).mtimeMs).toBe(due);
    const list = await bridge.api("GET", "/v1/callfiles?state=scheduled");
    expect(list.json.jobs.map((job: any) => job.id)).toEqual([json.id]);
    const cancelled = await bridge.api("DELETE", `/v1/callfiles/${json.id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.state).toBe("cancelled");
    expect(await tree(bridge.files, bridge.dir)).toEqual([`amibridge-staging/cancelled/${json.file}`]);
    const again = await bridge.api("DELETE", `/v1/callfiles/${json.id}`);
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ code: "JOB_TOO_LATE", state: "cancelled" });
    expect(again.json.detail).toContain("already cancelled");
    expect(statesOf(bridge.notices, json.id)).toEqual(["scheduled", "cancelled"]);
    expect(bridge.pbxs.get("pbx1")!.channels).toEqual([]);
  }, TIMEOUT);

  test("a job that is due or finished cannot be cancelled: 409 naming why; an unknown id is 404", async () => {
    const bridge = await start();
    const { json } = await bridge.api("POST", "/v1/callfiles", { body: { channel: "Local/100@test", application: "Wait" } });
    await jobState(bridge, json.id, ["completed"]);
    const late = await bridge.api("DELETE", `/v1/callfiles/${json.id}`);
    expect(late.status).toBe(409);
    expect(late.json.detail).toContain("already completed");
    const soon = await bridge.api("POST", "/v1/callfiles", { body: { channel: "Local/100@test", application: "Wait", notBefore: "+1s" } });
    const due = await bridge.api("DELETE", `/v1/callfiles/${soon.json.id}`);
    expect(due.status).toBe(409);
    expect(due.json.detail).toMatch(/due now|dialing|taken its file|already/);
    expect((await bridge.api("DELETE", "/v1/callfiles/01KBJ0000000000000000000AB")).status).toBe(404);
    expect((await bridge.api("GET", "/v1/callfiles/nope")).status).toBe(404);
  }, TIMEOUT);

  test("the notices reach an SSE subscriber that asks for types=callfile", async () => {
    const bridge = await start();
    const stream = new AbortController();
    const response = await fetch(`${bridge.baseUrl}/v1/events?types=callfile`, { headers: { authorization: "Bearer reader-callfiles-token" }, signal: stream.signal });
    expect(response.status).toBe(200);
    const reader = new SseReader(response.body!);
    const { json } = await bridge.api("POST", "/v1/callfiles", { body: { channel: "Local/100@test", application: "Wait" } });
    const messages = await reader.take(3, 8000);
    expect(messages.map((m) => m.event)).toEqual(["callfile", "callfile", "callfile"]);
    expect(messages.map((m) => JSON.parse(m.data).state)).toEqual(["queued", "dialing", "completed"]);
    expect(JSON.parse(messages[2]!.data)).toMatchObject({ type: "callfile", server: "pbx1", id: json.id, outcome: "completed" });
    stream.abort();
  }, TIMEOUT);
});

describe("refusals", () => {
  test("bad bodies are 400s naming the field, and nothing is written", async () => {
    const bridge = await start();
    const cases: Array<[unknown, string, string]> = [
      [{ context: "test", extension: "100" }, "channel", "required"],
      [{ channel: "Local/100@test", context: "test", extension: "100", application: "Wait" }, "application", "got both"],
      [{ channel: "Local/100@test", application: "Wait", EarlyMedia: true }, "EarlyMedia", 'did you mean "earlyMedia"'],
      [{ channel: "Local/100@test", application: "Playback", data: "x\nApplication: System" }, "data", "CR or LF"],
      [{ channel: "Local/100@test", application: "Wait", notBefore: "soon" }, "notBefore", "ISO 8601"],
      [{ channel: "Local/100@test", application: "Wait", server: "pbx2" }, "server", "pbx1"],
    ];
    for (const [body, field, words] of cases) {
      const { status, json } = await bridge.api("POST", "/v1/callfiles", { body });
      expect({ body, status, field: json.field }).toEqual({ body, status: 400, field });
      expect(json.detail).toContain(words);
    }
    const notJson = await fetch(`${bridge.baseUrl}/v1/callfiles`, { method: "POST", headers: { authorization: "Bearer writer-callfiles-token", "content-type": "text/plain" }, body: "channel=x" });
    expect(notJson.status).toBe(415);
    expect(await tree(bridge.files, bridge.dir)).toEqual([]);
    expect((await bridge.api("GET", "/v1/callfiles")).json.jobs).toEqual([]);
  }, TIMEOUT);

  test("grants: writing needs callfiles (and system for System or SHELL()), reading needs the call class; servers apply", async () => {
    const bridge = await start();
    const body = { channel: "Local/100@test", application: "Wait", notBefore: "+10m" };
    const reader = await bridge.api("POST", "/v1/callfiles", { token: "reader-callfiles-token", body });
    expect(reader.status).toBe(403);
    expect(reader.json.detail).toContain('needs the "callfiles" grant');
    const system = await bridge.api("POST", "/v1/callfiles", { body: { channel: "Local/100@test", application: "System", data: "rm -rf /" } });
    expect(system.status).toBe(403);
    expect(system.json.detail).toContain('needs the "system" grant');
    const shell = await bridge.api("POST", "/v1/callfiles", { body: { ...body, variables: { X: "${SHELL(id)}" } } });
    expect(shell.status).toBe(403);
    expect((await bridge.api("POST", "/v1/callfiles", { token: "elsewhere-callfiles-token", body })).status).toBe(403);
    expect(await tree(bridge.files, bridge.dir)).toEqual([]);
    const admin = await bridge.api("POST", "/v1/callfiles", { token: "admin-callfiles-token", body: { ...body, application: "System", data: "true" } });
    expect(admin.status).toBe(201);
    expect((await bridge.api("GET", "/v1/callfiles", { token: "reader-callfiles-token" })).json.jobs).toHaveLength(1);
    expect((await bridge.api("GET", "/v1/callfiles", { token: "nobody-callfiles-token" })).status).toBe(403);
    expect((await bridge.api("DELETE", `/v1/callfiles/${admin.json.id}`, { token: "reader-callfiles-token" })).status).toBe(403);
    expect((await bridge.api("GET", "/v1/callfiles", { token: "wrong" })).status).toBe(401);
  }, TIMEOUT);
});

describe("restart", () => {
  test("the jobs are rebuilt from the spool folders: scheduled, completed and cancelled ones come back as they were", async () => {
    const first = await start();
    const later = (await first.api("POST", "/v1/callfiles", { body: { channel: "PJSIP/2001", context: "from-internal", extension: "100", notBefore: "+10m" } })).json;
    const now = (await first.api("POST", "/v1/callfiles", { body: { channel: "Local/100@test", application: "Wait" } })).json;
    const gone = (await first.api("POST", "/v1/callfiles", { body: { channel: "PJSIP/2002", application: "Wait", notBefore: "+10m" } })).json;
    await jobState(first, now.id, ["completed"]);
    expect((await first.api("DELETE", `/v1/callfiles/${gone.id}`)).status).toBe(200);
    const dir = first.dir;
    await first.close();
    running = undefined;
    const second = await start({ dir });
    const jobs = (await second.api("GET", "/v1/callfiles")).json.jobs;
    expect(jobs.map((job: any) => [job.id, job.state, job.attempts])).toEqual([
      [later.id, "scheduled", 0],
      [now.id, "completed", 1],
      [gone.id, "cancelled", 0],
    ]);
    expect(jobs[0].dueAt).toBe(later.dueAt);
    expect(jobs[0].createdAt).toBe(later.createdAt);
    // Still cancellable after the restart.
    expect((await second.api("DELETE", `/v1/callfiles/${later.id}`)).status).toBe(200);
  }, TIMEOUT);
});
