/** Shared set-up of the events plugin tests: a bridge with the plugin and tokens, SSE and WS clients. */
import type { TokenSpec } from "../../../core/bridge/auth.ts";
import { eventsPlugin } from "../../../plugins/events/mod.ts";
import { startTestBridge, type TestBridge, type TestBridgeOptions } from "../../support/bridge.ts";
import { SseReader } from "../../support/sse.ts";
import { openWebSocket, type TestWebSocket } from "../../support/websocket-client.ts";

/** May read everything. */
export const ALL = "all-secret-token";
/** May read only `call` events. */
export const CALL_ONLY = "call-secret-token";
/** May use only pbx1. */
export const PBX1_ONLY = "pbx1-secret-token";

const token = (name: string, secret: string, read: string[], servers = ["*"]): TokenSpec => ({
  name,
  token: secret,
  read,
  actions: { allow: ["*"], deny: [] },
  grants: [],
  servers,
});

/** Tokens every test bridge knows. */
export const TOKENS: TokenSpec[] = [token("all", ALL, ["*"]), token("calls", CALL_ONLY, ["call"]), token("pbx1", PBX1_ONLY, ["*"], ["pbx1"])];

const running: TestBridge[] = [];

/** Closes every bridge started since the last call: each test file runs it in `afterEach` (a helper module is loaded once, so it cannot register the hook itself). */
export async function closeBridges(): Promise<void> {
  await Promise.all(running.splice(0).map((bridge) => bridge.close()));
}

/** A test bridge with the events plugin (closed after the test). */
export async function startEventsBridge(plugin: Parameters<typeof eventsPlugin>[0] = {}, options: TestBridgeOptions = {}): Promise<TestBridge> {
  const bridge = await startTestBridge({ plugins: [eventsPlugin(plugin)], auth: { mode: "tokens", tokens: TOKENS }, ...options });
  running.push(bridge);
  return bridge;
}

/** Opens `GET /v1/events?query` with a token; the reader is over the body. */
export async function openSse(tb: TestBridge, query = "", headers: Record<string, string> = {}, secret = ALL): Promise<{ response: Response; reader: SseReader }> {
  const response = await fetch(`${tb.baseUrl}/v1/events${query ? `?${query}` : ""}`, { headers: { authorization: `Bearer ${secret}`, ...headers } });
  if (response.status !== 200) throw new Error(`expected 200 from /v1/events, got ${response.status}: ${await response.text()}`);
  return { response, reader: new SseReader(response.body!) };
}

/** Opens `/v1/events/ws?query` with the token in the query; waits until the bridge subscribed it. */
export async function openEventsSocket(tb: TestBridge, query = "", secret = ALL): Promise<TestWebSocket> {
  const before = tb.bridge.bus.subscriberCount;
  const socket = await openWebSocket(`ws://127.0.0.1:${tb.server.port}/v1/events/ws?access_token=${secret}${query ? `&${query}` : ""}`);
  const deadline = Date.now() + 2000;
  while (tb.bridge.bus.subscriberCount <= before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  return socket;
}

/** Emits `count` UserEvents `Hello` with `Index: start+i` on the PBX of `server`; resolves once the bus published them. */
export async function emitUserEvents(tb: TestBridge, count: number, options: { server?: string; start?: number } = {}): Promise<void> {
  const pbx = tb.pbxs.get(options.server ?? "pbx1")!;
  const before = tb.bridge.bus.published.event;
  for (let i = 0; i < count; i++) pbx.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "Hello", Index: String((options.start ?? 0) + i) });
  const deadline = Date.now() + 2000;
  while (tb.bridge.bus.published.event < before + count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} events on the bus, got ${tb.bridge.bus.published.event - before}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Parsed `data` of an SSE message or WS text frame. */
export type Entry = { type: string; seq?: number; server?: string; name?: string; headers?: Record<string, string>; [key: string]: unknown };

/** Parses one message's JSON. */
export const parse = (text: string): Entry => JSON.parse(text) as Entry;
