/** A bridge with the calls and events plugins over the simulated PBX, tokens of several kinds, and JSON helpers. */
import type { TokenSpec } from "../../../core/bridge/auth.ts";
import { callsPlugin } from "../../../plugins/calls/mod.ts";
import { eventsPlugin } from "../../../plugins/events/mod.ts";
import { startTestBridge, type TestBridge, type TestBridgeOptions } from "../../support/bridge.ts";

const token = (name: string, extra: Partial<TokenSpec> = {}): TokenSpec => ({
  token: `${name}-calls-token-0123456789`,
  name,
  read: ["*"],
  actions: { allow: ["*"], deny: [] },
  grants: ["calls", "redirect", "hangup"],
  servers: ["*"],
  ...extra,
});

/** `ops` may do everything with calls; the others lack a grant, read class or reach. */
export const TOKENS: readonly TokenSpec[] = [
  token("ops"),
  token("reader", { grants: [] }),
  token("no-call-class", { read: ["agent"] }),
  token("crm", { calls: { contexts: ["from-crm", "crm-*"], channels: ["PJSIP/2*"] } }),
  token("pbx2-only", { servers: ["pbx2"] }),
];

/** Starts the bridge with the calls and events plugins and {@link TOKENS}. */
export function startCallsBridge(options: TestBridgeOptions = {}): Promise<TestBridge> {
  return startTestBridge({ plugins: [callsPlugin, eventsPlugin], auth: { mode: "tokens", tokens: TOKENS }, ...options });
}

/** Status and parsed JSON of one request. */
export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

/** Sends a request as token `as` (default ops); an object body goes as JSON. */
export async function call(tb: TestBridge | string, method: string, path: string, body?: unknown, as = "ops"): Promise<Answer> {
  const base = typeof tb === "string" ? tb : tb.baseUrl;
  const headers: Record<string, string> = { authorization: `Bearer ${as}-calls-token-0123456789` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) };
}

/** Places a call and waits for it to end; returns the final call. */
export async function placeAndWait(tb: TestBridge, request: Record<string, unknown>, as = "ops"): Promise<any> {
  const placed = await call(tb, "POST", "/v1/calls", request, as);
  if (placed.status !== 202) throw new Error(`expected 202, got ${placed.status}: ${JSON.stringify(placed.body)}`);
  const done = await call(tb, "GET", `${placed.body.url}?wait=ended&timeoutMs=10000`, undefined, as);
  return done.body;
}
