/**
 * The `/v1/webhooks` API: the grant it needs, what it refuses (400 naming the field, including
 * targets the SSRF guard refuses), secrets shown once and never again, changes and deletion, and
 * a subscription bounded by its creator's read rights.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { currentRuntime } from "../../support/runtime.ts";
import { startReceiver, type WebhookReceiver } from "../../support/webhook-receiver.ts";
import { ADMIN, api, CALLS, closeBridges, emit, emitNumbered, READER, seenTexts, startWebhookBridge, subscribe, verified, waitForView, waitUntil } from "./helpers.ts";

const TIMEOUT = 30_000;
const receivers: WebhookReceiver[] = [];
afterEach(async () => {
  await closeBridges();
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function receiver(): Promise<WebhookReceiver> {
  const started = await startReceiver(await currentRuntime());
  receivers.push(started);
  return started;
}

describe("the webhook API", () => {
  test("every route needs the webhooks grant", async () => {
    const bridge = await startWebhookBridge();
    for (const [method, path] of [["GET", "/v1/webhooks"], ["POST", "/v1/webhooks"], ["GET", "/v1/webhooks/x"], ["PATCH", "/v1/webhooks/x"], ["DELETE", "/v1/webhooks/x"], ["POST", "/v1/webhooks/x/replay"]] as const) {
      const answer = await api(bridge, method, path, method === "GET" || method === "DELETE" ? undefined : { url: "http://127.0.0.1:1/" }, READER);
      expect([method, path, answer.status]).toEqual([method, path, 403]);
      expect(answer.body.detail).toBe('managing webhooks needs the "webhooks" grant, which token "reader" does not have');
    }
    expect((await api(bridge, "GET", "/v1/webhooks", undefined, null)).status).toBe(401);
  }, TIMEOUT);

  test("the generated secret is shown once, in the creation answer, and never again", async () => {
    const bridge = await startWebhookBridge();
    const target = await receiver();
    const { id, secret, answer } = await subscribe(bridge, { url: target.url, description: "crm" });
    expect(answer.body).toMatchObject({ id, url: target.url, description: "crm", secrets: 1, state: "active", ordered: true, concurrency: 1, timeoutMs: 15_000, batch: { maxEvents: 1, maxWaitMs: 0 }, owner: "admin", source: "api" });
    expect(id).toMatch(/^wh_[0-9a-z]{20}$/);
    const start = seenTexts.length;
    const one = await api(bridge, "GET", `/v1/webhooks/${id}`);
    const list = await api(bridge, "GET", "/v1/webhooks");
    const patched = await api(bridge, "PATCH", `/v1/webhooks/${id}`, { description: "crm 2" });
    expect(one.status).toBe(200);
    expect(list.body.webhooks.map((w: any) => w.id)).toEqual([id]);
    expect(patched.body.description).toBe("crm 2");
    expect(patched.body.secret).toBeUndefined();
    for (const text of [...seenTexts.slice(start), ...bridge.logs, bridge.bridge.metrics.render()]) expect(text.includes(secret.slice(6))).toBe(false);
    // A secret given by the caller is not echoed back.
    const given = "whsec_" + btoa("a-secret-the-caller-chose");
    const mine = await api(bridge, "POST", "/v1/webhooks", { url: target.url, secret: given });
    expect(mine.status).toBe(201);
    expect(mine.text.includes(given)).toBe(false);
  }, TIMEOUT);

  test("rotateSecret signs with a new secret (shown once) and keeps the old one until removed", async () => {
    const bridge = await startWebhookBridge();
    const target = await receiver();
    const { id, secret } = await subscribe(bridge, { url: target.url, events: "UserEvent" });
    const rotated = await api(bridge, "PATCH", `/v1/webhooks/${id}`, { rotateSecret: true });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secrets).toBe(2);
    const fresh = rotated.body.secret as string;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(secret);
    emitNumbered(bridge, 1);
    const [request] = await target.waitFor(1);
    expect(verified(request!, secret).headers.Number).toBe("1");
    expect(verified(request!, fresh).headers.Number).toBe("1");
  }, TIMEOUT);

  test("bad input is a 400 naming the field", async () => {
    const bridge = await startWebhookBridge();
    const cases: Array<[Record<string, unknown> | string, string, string]> = [
      [{ url: "not a url" }, "url", 'url: expected an http:// or https:// URL, got "not a url"'],
      [{ url: "ftp://example.com/" }, "url", "url: expected an http:// or https:// URL, got a ftp: URL"],
      [{ url: "http://user:pw@127.0.0.1/" }, "url", "url: expected a URL without user:password"],
      [{}, "url", "url: expected a value (this key is required)"],
      [{ url: "http://127.0.0.1/", events: "New channel" }, "events", "events: expected event names of letters"],
      [{ url: "http://127.0.0.1/", match: "NoColonHere" }, "match", 'match: expected Header:pattern, got "NoColonHere"'],
      [{ url: "http://127.0.0.1/", types: "event,bogus" }, "types", 'types: expected a comma-separated list of event, gap, upstream, journal.full, journal.recovered, webhook.disabled, webhook.exhausted, got "bogus"'],
      [{ url: "http://127.0.0.1/", server: "pbx9" }, "server", 'server: expected one of pbx1, got "pbx9"'],
      [{ url: "http://127.0.0.1/", batch: { maxEvents: 0 } }, "batch.maxEvents", "batch.maxEvents: expected an integer from 1 to 1000"],
      [{ url: "http://127.0.0.1/", timeoutMs: 5 }, "timeoutMs", "timeoutMs: expected an integer from 100 to 120000"],
      [{ url: "http://127.0.0.1/", concurrency: 4 }, "concurrency", "concurrency: expected 1 with ordered delivery"],
      [{ url: "http://127.0.0.1/", secret: "whsec_short" }, "secret", "secret: expected base64 after whsec_"],
      [{ url: "http://127.0.0.1/", secret: "plain-text-secret-value" }, "secret", "secret: expected a secret starting with whsec_"],
      [{ url: "http://127.0.0.1/", secrets: ["whsec_" + btoa("0123456789abcdef"), "nope"] }, "secrets[1]", "secrets[1]: expected a secret starting with whsec_"],
      [{ url: "http://127.0.0.1/", colour: "red" }, "colour", "colour: expected one of the keys url,"],
      ["[1,2]", "body", "body: expected a JSON object, got an array"],
      ["{oops", "body", "body: expected a JSON object, got invalid JSON"],
    ];
    for (const [body, field, detail] of cases) {
      const answer = await api(bridge, "POST", "/v1/webhooks", body);
      expect([field, answer.status, answer.body?.field]).toEqual([field, 400, field]);
      expect(answer.body.detail).toStartWith(detail);
    }
    expect(seenTexts.some((text) => text.includes("plain-text-secret-value"))).toBe(false);
    expect((await api(bridge, "GET", "/v1/webhooks")).body.webhooks).toEqual([]);
  }, TIMEOUT);

  test("the SSRF guard refuses loopback, private, metadata and names resolving to loopback, unless allowed", async () => {
    const bridge = await startWebhookBridge({ webhooks: { allowNetworks: [] } });
    const cases: Array<[string, string]> = [
      ["http://127.0.0.1:8080/hook", "url: 127.0.0.1 is a loopback address, refused unless allowed"],
      ["http://[::1]/", "url: ::1 is a loopback address"],
      ["http://10.0.0.8/", "url: 10.0.0.8 is a private address"],
      ["http://192.168.1.1/", "url: 192.168.1.1 is a private address"],
      ["http://100.64.1.1/", "url: 100.64.1.1 is a shared address"],
      ["http://169.254.169.254/latest/meta-data/", "url: 169.254.169.254 is a metadata address"],
      ["http://[fd00:ec2::254]/", "url: fd00:ec2::254 is a metadata address"],
      ["http://[::ffff:127.0.0.1]/", "url: 127.0.0.1 is a loopback address"],
      ["http://0.0.0.0/", "url: 0.0.0.0 is a unspecified address"],
      ["http://localhost:8080/", "url: localhost resolves to "],
    ];
    for (const [url, detail] of cases) {
      const answer = await api(bridge, "POST", "/v1/webhooks", { url });
      expect([url, answer.status, answer.body.field]).toEqual([url, 400, "url"]);
      expect(answer.body.detail).toStartWith(detail);
    }
    expect((await api(bridge, "POST", "/v1/webhooks", { url: "http://localhost:8080/" })).body.detail).toContain("is a loopback address");
    expect((await api(bridge, "POST", "/v1/webhooks", { url: "http://no-such-host.invalid/" })).body.detail).toStartWith("url: could not resolve no-such-host.invalid");
    const open = await startWebhookBridge({ webhooks: { allowPrivateNetworks: true } });
    expect((await api(open, "POST", "/v1/webhooks", { url: "http://localhost:8080/" })).status).toBe(201);
    expect((await api(open, "POST", "/v1/webhooks", { url: "http://10.0.0.8/" })).status).toBe(201);
  }, TIMEOUT);

  test("a subscription made by a token only receives what that token may read", async () => {
    const bridge = await startWebhookBridge();
    const target = await receiver();
    const { id, secret } = await subscribe(bridge, { url: target.url }, CALLS);
    expect((await api(bridge, "GET", `/v1/webhooks/${id}`)).body.owner).toBe("calls");
    emit(bridge, { Event: "AgentCalled", Privilege: "agent,all", Queue: "q1" });
    emit(bridge, { Event: "UserEvent", Privilege: "user,all", UserEvent: "Secret" });
    emit(bridge, { Event: "Newchannel", Privilege: "call,all", Channel: "PJSIP/a-1" });
    emit(bridge, { Event: "Hangup", Privilege: "call,all", Channel: "PJSIP/a-1" });
    await waitUntil(() => bridge.entries.some((e) => e.name === "Hangup"));
    const last = bridge.entries.find((e) => e.name === "Hangup")!;
    await waitForView(bridge, id, (v) => v.cursor >= last.seq);
    expect(target.requests.map((r) => verified(r, secret).name)).toEqual(["Newchannel", "Hangup"]);
    // Its filter can narrow that, never widen it; a PATCHed filter reads with the patcher's rights.
    const widened = await api(bridge, "PATCH", `/v1/webhooks/${id}`, { events: "*" }, ADMIN);
    expect(widened.body.owner).toBe("admin");
  }, TIMEOUT);

  test("PATCH pauses and changes, DELETE removes, unknown ids are 404", async () => {
    const bridge = await startWebhookBridge();
    const target = await receiver();
    const { id, secret } = await subscribe(bridge, { url: target.url, events: "UserEvent" });
    const paused = await api(bridge, "PATCH", `/v1/webhooks/${id}`, { enabled: false });
    expect(paused.body).toMatchObject({ enabled: false, state: "paused" });
    emitNumbered(bridge, 2);
    await waitForView(bridge, id, (v) => v.backlog >= 2);
    expect(target.requests).toHaveLength(0);
    const resumed = await api(bridge, "PATCH", `/v1/webhooks/${id}`, { enabled: true, events: ["UserEvent", "Hangup"] });
    expect(resumed.body).toMatchObject({ enabled: true, state: "active", events: ["UserEvent", "Hangup"] });
    expect((await target.waitFor(2)).map((r) => verified(r, secret).headers.Number)).toEqual(["1", "2"]);
    expect((await api(bridge, "PATCH", `/v1/webhooks/${id}`, { url: "http://10.9.9.9/" })).body).toMatchObject({ status: 400, field: "url" });
    expect(await bridge.journal.getValue(`cursor/webhook-${id}`)).toMatch(/^\d+$/);
    expect((await api(bridge, "DELETE", `/v1/webhooks/${id}`)).status).toBe(204);
    expect((await api(bridge, "GET", `/v1/webhooks/${id}`)).status).toBe(404);
    expect((await api(bridge, "DELETE", `/v1/webhooks/${id}`)).body).toMatchObject({ status: 404, field: "id" });
    expect(await bridge.journal.listValues(`webhook/${id}`)).toEqual([]);
    // Its journal cursor goes too: retention no longer keeps anything for it.
    expect(await bridge.journal.getValue(`cursor/webhook-${id}`)).toBeUndefined();
  }, TIMEOUT);

  test("replay by sequence and by time range sends those entries again; an empty or double request is a 400", async () => {
    const bridge = await startWebhookBridge();
    const target = await receiver();
    const { id, secret } = await subscribe(bridge, { url: target.url, events: "UserEvent" });
    emitNumbered(bridge, 3);
    await target.waitFor(3);
    const seqs = target.requests.map((r) => verified(r, secret).seq as number);
    const bySeq = await api(bridge, "POST", `/v1/webhooks/${id}/replay`, { fromSeq: seqs[1], toSeq: seqs[2] });
    expect(bySeq).toMatchObject({ status: 202, body: { replaying: [[seqs[1], seqs[2]]] } });
    await target.waitFor(5);
    expect(target.requests.slice(3).map((r) => verified(r, secret).seq)).toEqual([seqs[1], seqs[2]]);
    expect(target.requests.slice(3).map((r) => r.headers["webhook-id"])).toEqual(target.requests.slice(1, 3).map((r) => r.headers["webhook-id"]));
    const first = bridge.entries.find((e) => e.seq === seqs[0])!;
    const byTime = await api(bridge, "POST", `/v1/webhooks/${id}/replay`, { fromTime: new Date(first.receivedAt).toISOString(), toTime: first.receivedAt });
    expect(byTime.status).toBe(202);
    await target.waitFor(6);
    expect(verified(target.requests[5]!, secret).seq).toBe(seqs[0]);
    expect((await api(bridge, "POST", `/v1/webhooks/${id}/replay`, {})).body).toMatchObject({ status: 400, field: "body" });
    expect((await api(bridge, "POST", `/v1/webhooks/${id}/replay`, { fromSeq: 1, deadLetters: true })).body).toMatchObject({ status: 400, field: "body" });
    expect((await api(bridge, "POST", `/v1/webhooks/${id}/replay`, { fromSeq: 5, toSeq: 2 })).body).toMatchObject({ status: 400, field: "toSeq" });
    expect((await api(bridge, "POST", `/v1/webhooks/${id}/replay`, { fromTime: "yesterday" })).body).toMatchObject({ status: 400, field: "fromTime" });
  }, TIMEOUT);
});
