/**
 * Deliveries end to end, on real sockets: a simulated PBX emits events, the bridge journals them,
 * and each endpoint POSTs them to a real HTTP receiver, signed; every delivery is verified with
 * the standardwebhooks package as a receiver would. Receivers misbehave in the ways the issue lists.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { currentRuntime } from "../../support/runtime.ts";
import { freePort, startRawServer, startReceiver, type WebhookReceiver } from "../../support/webhook-receiver.ts";
import { api, closeBridges, emit, emitNumbered, startWebhookBridge, subscribe, verified, waitForView, waitUntil } from "./helpers.ts";

const TIMEOUT = 30_000;
const receivers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await closeBridges();
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function receiver(respond?: Parameters<typeof startReceiver>[1], port?: number): Promise<WebhookReceiver> {
  const started = await startReceiver(await currentRuntime(), respond, port);
  receivers.push(started);
  return started;
}

const numbers = (bodies: any[]) => bodies.map((body) => body.headers.Number);

describe("webhook deliveries", () => {
  test("a matching event arrives signed, as the same JSON /v1/events sends, with a webhook-id from its sequence number", async () => {
    const bridge = await startWebhookBridge();
    const target = await receiver();
    const { id, secret } = await subscribe(bridge, { url: `${target.url}/hook`, events: "UserEvent" });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    emit(bridge, { Event: "Newchannel", Privilege: "call,all", Channel: "PJSIP/a-1" });
    emit(bridge, { Event: "UserEvent", Privilege: "user,all", UserEvent: "Hello", Number: "1" });
    const [request] = await target.waitFor(1);
    const body = verified(request!, secret);
    const entry = bridge.entries.find((e) => e.name === "UserEvent")!;
    expect(request!.body).toBe(entry.json());
    expect(body).toMatchObject({ type: "event", name: "UserEvent", server: "pbx1", headers: { UserEvent: "Hello", Number: "1" } });
    expect(request!.headers["webhook-id"]).toBe(`msg_${id}_${entry.seq}`);
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.path).toBe("/hook");
    const view = await waitForView(bridge, id, (v) => v.cursor >= entry.seq);
    expect(view).toMatchObject({ state: "active", backlog: 0, inFlight: 0, deadLetterRanges: 0 });
    expect(view.attempts[0]).toMatchObject({ webhookId: `msg_${id}_${entry.seq}`, status: 204, outcome: "delivered", attempt: 1, events: 1 });
    // The Newchannel did not match the filter: it was never sent.
    expect(target.requests).toHaveLength(1);
  }, TIMEOUT);

  test("a receiver down, then up: nothing is lost and the order is kept", async () => {
    const runtime = await currentRuntime();
    const port = await freePort(runtime);
    const bridge = await startWebhookBridge({ webhooks: { retryScheduleMs: [0, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30] } });
    const { id, secret } = await subscribe(bridge, { url: `http://127.0.0.1:${port}/`, events: "UserEvent" });
    emitNumbered(bridge, 5);
    // The first delivery fails while nobody listens; the others wait behind it (ordered).
    const down = await waitForView(bridge, id, (v) => v.attempts.length >= 2);
    expect(down.attempts.every((a: any) => a.outcome === "connect_failed" && a.fromSeq === down.attempts[0].fromSeq)).toBe(true);
    expect(down.failingSince).toBeNumber();
    const target = await receiver(undefined, port);
    const requests = await target.waitFor(5);
    await waitForView(bridge, id, (v) => v.backlog === 0);
    expect(numbers(requests.map((r) => verified(r, secret)))).toEqual(["1", "2", "3", "4", "5"]);
    expect(target.requests).toHaveLength(5);
    const view = await waitForView(bridge, id, (v) => v.failingSince === undefined);
    expect(view.state).toBe("active");
  }, TIMEOUT);

  test("500 then 200: the retry carries the same webhook-id, a fresh timestamp and a valid signature", async () => {
    const bridge = await startWebhookBridge();
    const target = await receiver((_request, index) => (index < 2 ? new Response("busy", { status: 500 }) : 200));
    const { id, secret } = await subscribe(bridge, { url: target.url, events: "UserEvent" });
    emitNumbered(bridge, 2);
    const requests = await target.waitFor(4);
    for (const request of requests) verified(request, secret);
    expect(requests.map((r) => r.headers["webhook-id"])).toEqual([requests[0]!.headers["webhook-id"], requests[0]!.headers["webhook-id"], requests[0]!.headers["webhook-id"], requests[3]!.headers["webhook-id"]]);
    expect(numbers(requests.map((r) => JSON.parse(r.body)))).toEqual(["1", "1", "1", "2"]);
    const view = await waitForView(bridge, id, (v) => v.backlog === 0);
    const log = view.attempts.reverse();
    expect(log.map((a: any) => [a.attempt, a.status, a.outcome])).toEqual([[1, 500, "retryable_status"], [2, 500, "retryable_status"], [3, 200, "delivered"], [1, 200, "delivered"]]);
    expect(log[0].error).toBe('HTTP 500 Internal Server Error: "busy"');
  }, TIMEOUT);

  test("a hung receiver does not delay another endpoint", async () => {
    const runtime = await currentRuntime();
    let hungConnections = 0;
    const hung = await startRawServer(runtime, () => void hungConnections++);
    receivers.push(hung);
    const bridge = await startWebhookBridge();
    const stuck = await subscribe(bridge, { url: hung.url, events: "UserEvent", timeoutMs: 60_000 });
    const target = await receiver();
    const fine = await subscribe(bridge, { url: target.url, events: "UserEvent" });
    emitNumbered(bridge, 3);
    const requests = await target.waitFor(3);
    expect(numbers(requests.map((r) => verified(r, fine.secret)))).toEqual(["1", "2", "3"]);
    const view = (await api(bridge, "GET", `/v1/webhooks/${stuck.id}`)).body;
    expect(view.inFlight).toBe(1);
    expect(view.attempts).toEqual([]);
    expect(hungConnections).toBe(1);
  }, TIMEOUT);

  test("a 50 MB answer is read only in part, and delivery goes on", async () => {
    const runtime = await currentRuntime();
    const total = 50 * 1024 * 1024;
    const written: number[] = [];
    const heads: string[] = [];
    const big = await startRawServer(runtime, async (transport, head) => {
      heads.push(head);
      const writer = transport.writable.getWriter();
      let sent = 0;
      try {
        await writer.write(new TextEncoder().encode(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`));
        const chunk = new Uint8Array(256 * 1024).fill(0x7a);
        while (sent < total) {
          await writer.write(chunk);
          sent += chunk.byteLength;
        }
      } catch {
        // the bridge stopped reading and closed: what this test wants
      }
      written.push(sent);
    });
    receivers.push(big);
    const bridge = await startWebhookBridge();
    const { id } = await subscribe(bridge, { url: big.url, events: "UserEvent" });
    emitNumbered(bridge, 2);
    const view = await waitForView(bridge, id, (v) => v.attempts.length >= 2 && v.backlog === 0);
    expect(view.attempts.map((a: any) => [a.status, a.outcome])).toEqual([[200, "delivered"], [200, "delivered"]]);
    await waitUntil(() => written.length === 2, 10_000);
    for (const sent of written) expect(sent).toBeLessThan(total);
    expect(heads[0]).toContain("webhook-signature: v1,");
  }, TIMEOUT);

  test("a receiver that never answers times out; exhausted, the delivery goes to the dead letters with a webhook.exhausted notice", async () => {
    const runtime = await currentRuntime();
    const silent = await startRawServer(runtime, () => {});
    receivers.push(silent);
    const bridge = await startWebhookBridge({ webhooks: { retryScheduleMs: [0, 20] } });
    const notices = bridge.entries;
    const { id } = await subscribe(bridge, { url: silent.url, events: "UserEvent", timeoutMs: 200 });
    emitNumbered(bridge, 1);
    const view = await waitForView(bridge, id, (v) => v.deadLetterRanges === 1);
    const seq = bridge.entries.find((e) => e.name === "UserEvent")!.seq;
    expect(view.deadLetters).toEqual([[seq, seq]]);
    expect(view.attempts.map((a: any) => [a.attempt, a.outcome])).toEqual([[2, "timeout"], [1, "timeout"]]);
    expect(view.attempts[0].error).toBe(`expected a response from 127.0.0.1:${silent.port} within 200 ms, got none`);
    expect(view.cursor).toBeGreaterThanOrEqual(seq);
    const exhausted = notices.find((e) => e.type === "webhook.exhausted")!;
    expect(JSON.parse(exhausted.json())).toMatchObject({ type: "webhook.exhausted", server: "bridge", endpoint: id, webhookId: `msg_${id}_${seq}`, fromSeq: seq, toSeq: seq, events: 1, attempts: 2, reason: "exhausted" });
  }, TIMEOUT);

  test("410 disables the endpoint, visibly; enabling it again delivers what waited", async () => {
    const bridge = await startWebhookBridge();
    const target = await receiver(() => 410);
    const { id, secret } = await subscribe(bridge, { url: target.url, events: "UserEvent" });
    emitNumbered(bridge, 1);
    const view = await waitForView(bridge, id, (v) => v.state === "disabled");
    expect(view.disabledReason).toBe("the receiver answered 410 Gone");
    const notice = bridge.entries.find((e) => e.type === "webhook.disabled")!;
    expect(JSON.parse(notice.json())).toMatchObject({ type: "webhook.disabled", endpoint: id, reason: "the receiver answered 410 Gone" });
    emitNumbered(bridge, 2, "Later");
    await waitForView(bridge, id, (v) => v.backlog >= 3);
    expect(target.requests).toHaveLength(1);
    target.respond(() => 200);
    const enabled = await api(bridge, "PATCH", `/v1/webhooks/${id}`, { enabled: true });
    expect(enabled.status).toBe(200);
    const requests = await target.waitFor(4);
    expect(requests.slice(1).map((r) => verified(r, secret).headers.UserEvent)).toEqual(["Test", "Later", "Later"]);
    // The one that got the 410 was not dead-lettered: it is delivered now, with the same id.
    expect(requests[1]!.headers["webhook-id"]).toBe(requests[0]!.headers["webhook-id"]);
    expect((await waitForView(bridge, id, (v) => v.backlog === 0)).state).toBe("active");
  }, TIMEOUT);

  test("a 4xx is not retried: dead-lettered at once, and a replay of the dead letters sends it again with its webhook-id", async () => {
    const bridge = await startWebhookBridge();
    const target = await receiver((_request, index) => (index === 0 ? 422 : 200));
    const { id, secret } = await subscribe(bridge, { url: target.url, events: "UserEvent" });
    emitNumbered(bridge, 2);
    const requests = await target.waitFor(2);
    expect(numbers(requests.map((r) => verified(r, secret)))).toEqual(["1", "2"]);
    const view = await waitForView(bridge, id, (v) => v.backlog === 0 && v.deadLetterRanges === 1);
    expect(view.attempts.reverse().map((a: any) => [a.fromSeq, a.status, a.outcome])).toEqual([[view.deadLetters[0][0], 422, "rejected"], [view.deadLetters[0][0] + 1, 200, "delivered"]]);
    expect(bridge.entries.find((e) => e.type === "webhook.exhausted")?.fields).toMatchObject({ reason: "rejected", attempts: 1 });
    const replay = await api(bridge, "POST", `/v1/webhooks/${id}/replay`, { deadLetters: true });
    expect(replay.status).toBe(202);
    expect(replay.body.replaying).toEqual(view.deadLetters);
    const again = await target.waitFor(3);
    expect(verified(again[2]!, secret).headers.Number).toBe("1");
    expect(again[2]!.headers["webhook-id"]).toBe(again[0]!.headers["webhook-id"]);
    const after = await waitForView(bridge, id, (v) => v.deadLetterRanges === 0);
    expect(after.attempts[0]).toMatchObject({ replay: true, outcome: "delivered" });
  }, TIMEOUT);

  test("a redirect is not followed: the delivery is refused like a 4xx, naming where it pointed", async () => {
    const bridge = await startWebhookBridge();
    const elsewhere = await receiver();
    const target = await receiver(() => new Response(null, { status: 301, headers: { location: `${elsewhere.url}/moved` } }));
    const { id } = await subscribe(bridge, { url: target.url, events: "UserEvent" });
    emitNumbered(bridge, 1);
    const view = await waitForView(bridge, id, (v) => v.deadLetterRanges === 1);
    expect(view.attempts[0]).toMatchObject({ status: 301, outcome: "rejected" });
    expect(view.attempts[0].error).toContain(`redirect to "${elsewhere.url}/moved" not followed`);
    expect(elsewhere.requests).toHaveLength(0);
  }, TIMEOUT);

  test("Retry-After is honoured as the least wait before the next attempt", async () => {
    const bridge = await startWebhookBridge({ webhooks: { retryScheduleMs: [0, 10, 10] } });
    const target = await receiver((_request, index) => (index === 0 ? new Response(null, { status: 429, headers: { "retry-after": "1" } }) : 204));
    const { secret } = await subscribe(bridge, { url: target.url, events: "UserEvent" });
    emitNumbered(bridge, 1);
    const [first, second] = await target.waitFor(2);
    verified(second!, secret);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  }, TIMEOUT);

  test("an endpoint failing for longer than disableAfterMs is disabled", async () => {
    const bridge = await startWebhookBridge({ webhooks: { retryScheduleMs: new Array(50).fill(30), disableAfterMs: 150 } });
    const target = await receiver(() => 503);
    const { id } = await subscribe(bridge, { url: target.url, events: "UserEvent" });
    emitNumbered(bridge, 1);
    const view = await waitForView(bridge, id, (v) => v.state === "disabled");
    expect(view.disabledReason).toMatch(/^failing without a success since .* \(disableAfterMs 150\)$/);
    expect(view.deadLetterRanges).toBe(0);
    expect(bridge.entries.some((e) => e.type === "webhook.disabled" && e.fields?.["endpoint"] === id)).toBe(true);
  }, TIMEOUT);

  test("batches: a JSON array of at most maxEvents, a short one after maxWaitMs, each verified", async () => {
    const bridge = await startWebhookBridge();
    const target = await receiver();
    const { id, secret } = await subscribe(bridge, { url: target.url, events: "UserEvent", batch: { maxEvents: 3, maxWaitMs: 150 } });
    emitNumbered(bridge, 5);
    const requests = await target.waitFor(2);
    const bodies = requests.map((r) => verified(r, secret) as any[]);
    expect(bodies.map((batch) => numbers(batch))).toEqual([["1", "2", "3"], ["4", "5"]]);
    expect(requests.map((r) => r.headers["webhook-id"])).toEqual([`msg_${id}_${bodies[0]![0].seq}`, `msg_${id}_${bodies[1]![0].seq}`]);
    const view = await waitForView(bridge, id, (v) => v.backlog === 0);
    expect(view.attempts.map((a: any) => a.events)).toEqual([2, 3]);
  }, TIMEOUT);

  test("unordered delivery keeps up to concurrency deliveries in flight", async () => {
    let open = 0;
    let most = 0;
    const bridge = await startWebhookBridge();
    const target = await receiver(async () => {
      most = Math.max(most, ++open);
      await new Promise((resolve) => setTimeout(resolve, 150));
      open--;
      return 204;
    });
    const { id, secret } = await subscribe(bridge, { url: target.url, events: "UserEvent", ordered: false, concurrency: 3 });
    emitNumbered(bridge, 6);
    const requests = await target.waitFor(6);
    expect(numbers(requests.map((r) => verified(r, secret))).sort()).toEqual(["1", "2", "3", "4", "5", "6"]);
    expect(most).toBe(3);
    await waitForView(bridge, id, (v) => v.backlog === 0);
  }, TIMEOUT);

  test("several secrets sign at once: a receiver with either one verifies every delivery", async () => {
    const bridge = await startWebhookBridge();
    const target = await receiver();
    const [oldSecret, newSecret] = ["whsec_" + btoa("0123456789abcdef0123"), "whsec_" + btoa("fedcba9876543210fedc")];
    await subscribe(bridge, { url: target.url, events: "UserEvent", secrets: [newSecret, oldSecret] });
    emitNumbered(bridge, 1);
    const [request] = await target.waitFor(1);
    expect(request!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(verified(request!, oldSecret).headers.Number).toBe("1");
    expect(verified(request!, newSecret).headers.Number).toBe("1");
    expect(() => verified(request!, "whsec_" + btoa("another-secret-entirely"))).toThrow();
  }, TIMEOUT);

  test("unordered: a failing delivery does not hold back the others, and the cursor waits for it", async () => {
    let failuresLeft = 3;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const bridge = await startWebhookBridge({ webhooks: { retryScheduleMs: new Array(30).fill(40) } });
    const target = await receiver(async (request) => {
      if (JSON.parse(request.body).headers.Number !== "1") return 204;
      if (failuresLeft-- > 0) return 503;
      await gate;
      return 204;
    });
    const { id, secret } = await subscribe(bridge, { url: target.url, events: "UserEvent", ordered: false, concurrency: 2 });
    emitNumbered(bridge, 5);
    await waitUntil(() => target.requests.filter((r) => JSON.parse(r.body).headers.Number !== "1").length === 4, 10_000);
    const first = bridge.entries.find((e) => e.name === "UserEvent")!.seq;
    const blocked = (await api(bridge, "GET", `/v1/webhooks/${id}`)).body;
    expect(blocked.cursor).toBeLessThan(first);
    release();
    await waitForView(bridge, id, (v) => v.backlog === 0);
    const delivered = target.requests.map((r) => verified(r, secret).headers.Number);
    expect(delivered.filter((n) => n === "1")).toHaveLength(4);
    expect(new Set(delivered)).toEqual(new Set(["1", "2", "3", "4", "5"]));
  }, TIMEOUT);
});
