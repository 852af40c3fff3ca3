/**
 * Shared set-up of the webhook tests: a bridge over a simulated PBX with the webhooks plugin on
 * the bridge's own journal (the group-commit writer; an in-memory store unless the test gives a
 * SQLite file), tokens with and without the `webhooks` grant, an API helper, and a Standard
 * Webhooks check of every delivery.
 */
import { Webhook } from "standardwebhooks";
import type { TokenSpec } from "../../../core/bridge/auth.ts";
import type { BusEntry } from "../../../core/bridge/entry.ts";
import { memoryJournal } from "../../../core/journal/memory.ts";
import type { Journal } from "../../../core/ports.ts";
import { eventsPlugin } from "../../../plugins/events/mod.ts";
import type * as v from "valibot";
import { createWebhooksPlugin, WebhooksOptionsSchema } from "../../../plugins/webhooks/mod.ts";
import { startTestBridge, type TestBridge, type TestBridgeOptions, waitUntil } from "../../support/bridge.ts";
import type { BridgeJournalOptions } from "../../../core/bridge/journal.ts";
import type { JournalWriter } from "../../../core/journal/writer.ts";
import type { ReceivedRequest } from "../../support/webhook-receiver.ts";

/** Manages webhooks, reads everything. */
export const ADMIN = "webhook-admin-token-5a1f";
/** Reads everything, may not manage webhooks. */
export const READER = "webhook-reader-token-9c2e";
/** Manages webhooks, reads only `call` events. */
export const CALLS = "webhook-calls-token-77d0";

const token = (name: string, secret: string, read: string[], grants: TokenSpec["grants"]): TokenSpec => ({ name, token: secret, read, actions: { allow: [], deny: [] }, grants, servers: ["*"] });

/** Tokens every test bridge knows. */
export const TOKENS: TokenSpec[] = [token("admin", ADMIN, ["*"], ["webhooks"]), token("reader", READER, ["*"], []), token("calls", CALLS, ["call"], ["webhooks"])];

/** A retry schedule for tests: the Svix shape, scaled down to milliseconds. */
export const FAST_SCHEDULE = [0, 40, 80, 120];

/** A started bridge with its journal. */
export interface WebhookBridge extends TestBridge {
  /** The journal's store (records and values). */
  journal: Journal;
  /** The bridge's group-commit writer over it. */
  writer: JournalWriter;
  /** Every entry the bus published, to compare deliveries with. */
  entries: BusEntry[];
}

const running: WebhookBridge[] = [];

/** Closes every bridge started since the last call (each test file runs it in `afterEach`). */
export async function closeBridges(): Promise<void> {
  await Promise.all(running.splice(0).map((bridge) => bridge.close()));
}

/** Options for {@link startWebhookBridge}. */
export interface WebhookBridgeOptions extends TestBridgeOptions {
  webhooks?: NonNullable<v.InferInput<typeof WebhooksOptionsSchema>>;
  /** Plugins besides events and webhooks. */
  plugins?: TestBridgeOptions["plugins"];
  /** The bridge's journal; default an in-memory store. A restart test gives a SQLite `path` (each bridge closes its store). */
  journal?: BridgeJournalOptions;
  /** Do not close it in closeBridges (the test closes it itself). */
  keep?: boolean;
}

/** A bridge with the webhooks plugin on loopback receivers (127.0.0.1 allowed) and a fast schedule. */
export async function startWebhookBridge(options: WebhookBridgeOptions = {}): Promise<WebhookBridge> {
  const { webhooks, journal = { store: memoryJournal() }, keep, plugins = [], ...rest } = options;
  const plugin = createWebhooksPlugin();
  const bridge = await startTestBridge({
    plugins: [eventsPlugin, plugin({ allowNetworks: ["127.0.0.1/32"], retryScheduleMs: FAST_SCHEDULE, ...webhooks }), ...plugins],
    auth: { mode: "tokens", tokens: TOKENS },
    journal,
    ...rest,
  });
  const writer = bridge.bridge.journal!;
  const entries: BusEntry[] = [];
  bridge.bridge.bus.listen((entry) => void entries.push(entry));
  const started: WebhookBridge = {
    ...bridge,
    journal: writer.store,
    writer,
    entries,
  };
  if (!keep) running.push(started);
  return started;
}

/** An API answer. */
export interface Answer {
  status: number;
  body: any;
  text: string;
}

/** Every answer the tests saw, to check that no secret leaks beyond the one creation answer. */
export const seenTexts: string[] = [];

/** Calls the webhook API with a token (default the admin's). */
export async function api(bridge: TestBridge, method: string, path: string, body?: unknown, token: string | null = ADMIN): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token !== null) headers["authorization"] = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${bridge.baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }) });
  const text = await response.text();
  seenTexts.push(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, text };
}

/** Creates a subscription and returns its id and (generated or given) secret. */
export async function subscribe(bridge: TestBridge, body: Record<string, unknown>, token = ADMIN): Promise<{ id: string; secret: string; answer: Answer }> {
  const answer = await api(bridge, "POST", "/v1/webhooks", body, token);
  if (answer.status !== 201) throw new Error(`expected 201 creating a webhook, got ${answer.status}: ${answer.text}`);
  return { id: answer.body.id, secret: (answer.body.secret as string | undefined) ?? (body["secret"] as string), answer };
}

/** Verifies a delivery as a receiver would, with the standardwebhooks package; returns the parsed body. */
export function verified(request: ReceivedRequest, secret: string): any {
  return new Webhook(secret).verify(request.body, request.headers);
}

/** Emits an AMI event from the simulated PBX `pbx1`. */
export function emit(bridge: TestBridge, headers: Record<string, string>): void {
  bridge.pbxs.get("pbx1")!.emit(headers);
}

/** Emits `count` UserEvents numbered from 1, with the call class. */
export function emitNumbered(bridge: TestBridge, count: number, name = "Test"): void {
  for (let i = 1; i <= count; i++) emit(bridge, { Event: "UserEvent", Privilege: "user,all", UserEvent: name, Number: String(i) });
}

/** Waits until the endpoint's GET view satisfies `check`. */
export async function waitForView(bridge: TestBridge, id: string, check: (view: any) => boolean, timeoutMs = 10_000): Promise<any> {
  let last: any;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    last = (await api(bridge, "GET", `/v1/webhooks/${id}`)).body;
    if (check(last)) return last;
    if (Date.now() > deadline) throw new Error(`expected webhook ${id} to reach a state within ${timeoutMs} ms; last: ${JSON.stringify(last).slice(0, 600)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export { waitUntil };
