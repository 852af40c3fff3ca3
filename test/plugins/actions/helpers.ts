/** A bridge with the actions plugin, API tokens of several kinds, and a helper to POST actions. */
import type { TokenSpec } from "../../../core/bridge/auth.ts";
import { actionsPlugin } from "../../../plugins/actions/mod.ts";
import { startTestBridge, type TestBridge, type TestBridgeOptions } from "../../support/bridge.ts";

/** The upstream secret: distinctive, so a leak anywhere is easy to find. */
export const SECRET = "Zq9-unl1kely-AMI-s3cret-7731";
const USER = { username: "bridgeuser", secret: SECRET, read: "all", write: "all" };

const policy = (name: string, extra: Partial<TokenSpec> = {}): TokenSpec => ({
  token: `${name}-token`,
  name,
  read: ["*"],
  actions: { allow: ["*"], deny: [] },
  grants: [],
  servers: ["*"],
  ...extra,
});

/** API tokens: `ops` (everything but the dangerous grants), `admin` (both grants), and narrower ones. */
export const TOKENS: readonly TokenSpec[] = [
  policy("ops"),
  policy("admin", { grants: ["command", "system"] }),
  policy("commander", { grants: ["command"] }),
  policy("pinger", { actions: { allow: ["Ping"], deny: [] }, servers: ["pbx1"] }),
  policy("no-originate", { actions: { allow: ["*"], deny: ["Originate"] } }),
];

/** Starts the bridge with the actions plugin, the tokens above and the distinctive secret. */
export function startActionsBridge(options: TestBridgeOptions & { timeoutMs?: number } = {}): Promise<TestBridge> {
  const { timeoutMs, ...rest } = options;
  return startTestBridge({
    plugins: [actionsPlugin(timeoutMs === undefined ? {} : { timeoutMs })],
    auth: { mode: "tokens", tokens: TOKENS },
    credentials: `${USER.username}:${SECRET}`,
    pbx: { users: [USER] },
    ...rest,
  });
}

/** What {@link postAction} returns: status, headers, the parsed body and its raw text. */
export interface Answer {
  status: number;
  headers: Headers;
  /** The parsed JSON body (problem or result). */
  body: any;
  text: string;
}

/** Every answer the tests saw, to check at the end that the secret never appears. */
export const seenTexts: string[] = [];

/** POSTs `body` (an object is sent as JSON, a string as is) to `/v1/actions/{action}`. */
export async function postAction(
  base: TestBridge | string,
  action: string,
  body?: unknown,
  options: { token?: string | null; server?: string; contentType?: string | null } = {},
): Promise<Answer> {
  const baseUrl = typeof base === "string" ? base : base.baseUrl;
  const headers: Record<string, string> = {};
  if (options.token !== null) headers["authorization"] = `Bearer ${options.token ?? "ops-token"}`;
  const text = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  if (text !== undefined && options.contentType !== null) headers["content-type"] = options.contentType ?? "application/json";
  const query = options.server === undefined ? "" : `?server=${encodeURIComponent(options.server)}`;
  // Bytes, not a string, so fetch adds no text/plain of its own when the test sends no Content-Type.
  const payload = text === undefined ? {} : { body: new TextEncoder().encode(text) };
  const response = await fetch(`${baseUrl}/v1/actions/${action}${query}`, { method: "POST", headers, ...payload });
  const answer = await response.text();
  seenTexts.push(answer);
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text: answer };
}

/** Asserts nothing the bridge said (answers, log lines) contains the upstream secret. */
export function leaks(bridge: TestBridge): string[] {
  return [...seenTexts, ...bridge.logs, bridge.bridge.metrics.render()].filter((text) => text.includes(SECRET));
}
