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
});
