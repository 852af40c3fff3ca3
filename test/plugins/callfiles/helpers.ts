/** A bridge with the callfiles plugin over a simulated PBX that services the same spool folder. */
import type { TokenSpec } from "../../../core/bridge/auth.ts";
import type { BusEntry } from "../../../core/bridge/entry.ts";
import type { Files } from "../../../core/ports.ts";
import { callfilesPlugin } from "../../../plugins/callfiles/mod.ts";
import { eventsPlugin } from "../../../plugins/events/mod.ts";
import { startTestBridge, type TestBridge, type TestBridgeOptions } from "../../support/bridge.ts";
import { makeSpool, realFiles } from "../../callfile/helpers.ts";

const token = (name: string, extra: Partial<TokenSpec> = {}): TokenSpec => ({
  token: `${name}-callfiles-token`, name, read: ["*"], actions: { allow: ["*"], deny: [] }, grants: ["callfiles"], servers: ["*"], ...extra,
});

/** `writer` may write, `admin` also shell-capable files, `reader` only reads (class call), `nobody` has neither. */
export const TOKENS: readonly TokenSpec[] = [
  token("writer"),
  token("admin", { grants: ["callfiles", "system"] }),
  token("reader", { read: ["call"], grants: [] }),
  token("nobody", { read: ["system"], grants: [] }),
  token("elsewhere", { servers: ["pbx9"] }),
];

/** A running bridge, its spool folder, and every `callfile` notice it published. */
export interface CallFilesBridge extends TestBridge {
  dir: string;
  files: Files;
  notices: Array<Record<string, unknown>>;
  /** POST/GET/DELETE as a token. */
  api(method: string, path: string, options?: { token?: string; body?: unknown }): Promise<{ status: number; json: any; headers: Headers }>;
}

/** Starts the bridge; `spoolDir` reuses a folder (a restart), `plugin` overrides the plugin's options. */
export async function startCallFilesBridge(options: { dir?: string; plugin?: Record<string, unknown>; files?: Files; bridge?: TestBridgeOptions } = {}): Promise<CallFilesBridge> {
  const real = await realFiles();
  const files = options.files ?? real;
  const dir = options.dir ?? (await makeSpool(real));
  const bridge = await startTestBridge({
    plugins: [callfilesPlugin({ spoolDir: dir, pollMs: 30, ...options.plugin }), eventsPlugin],
    auth: { mode: "tokens", tokens: TOKENS },
    pbx: { spool: { files: real, dir, pollMs: 30 } },
    ...(options.files ? { files: options.files } : {}),
    ...options.bridge,
  });
  const notices: Array<Record<string, unknown>> = [];
  bridge.bridge.bus.listen((entry: BusEntry) => {
    if (entry.type === "callfile") notices.push({ ...entry.fields });
  });
  return {
    ...bridge,
    dir,
    files,
    notices,
    async api(method, path, { token = "writer-callfiles-token", body } = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      if (body !== undefined) headers["content-type"] = "application/json";
      const response = await fetch(`${bridge.baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      const text = await response.text();
      return { status: response.status, json: text ? JSON.parse(text) : undefined, headers: response.headers };
    },
  };
}

/** The states a job went through, from the notices. */
export function statesOf(notices: ReadonlyArray<Record<string, unknown>>, id: string): string[] {
  return notices.filter((n) => n["id"] === id).map((n) => `${n["state"]}${n["attempts"] ? `:${n["attempts"]}` : ""}`);
}
