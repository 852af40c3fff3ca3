/** The README's plugin example, loaded next to the built-in plugins, over a real bridge and HTTP. */
import { afterEach, describe, expect, test } from "bun:test";
import { hangupCounter } from "../examples/hangup-counter.ts";
import { builtinPlugins } from "../plugins/mod.ts";
import { type TestBridge, startTestBridge, waitUntil } from "./support/bridge.ts";

const TOKEN = "example-plugin-token-0123";
let running: TestBridge | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe("README plugin example", () => {
  test("counts hangups with the configured cause, behind a token, and as a metric", async () => {
    running = await startTestBridge({
      plugins: [...builtinPlugins, hangupCounter({ cause: "17" })],
      auth: { mode: "tokens", tokens: [{ name: "crm", token: TOKEN, read: ["call"], actions: { allow: ["Originate"], deny: [] }, grants: [], servers: ["*"] }] },
    });
    const pbx = running.pbxs.get("pbx1")!;
    pbx.emit({ Event: "Hangup", Privilege: "call,all", Channel: "PJSIP/a-1", Cause: "17" });
    pbx.emit({ Event: "Hangup", Privilege: "call,all", Channel: "PJSIP/b-2", Cause: "16" });
    pbx.emit({ Event: "Hangup", Privilege: "call,all", Channel: "PJSIP/c-3", Cause: "17" });
    const url = `${running.baseUrl}/v1/hangups`;
    expect((await fetch(url)).status).toBe(401);
    await waitUntil(() => running!.bridge.bus.published.event >= 3);
    expect(await (await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })).json()).toEqual({ cause: "17", count: 2 });
    expect((await fetch(`${running.baseUrl}/metrics`)).status).toBe(401);
    expect(await (await fetch(`${running.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text()).toContain("hangup_counter_total 2");
  });

  test("its options are validated: a number where a string belongs is refused with the path", async () => {
    let error: unknown;
    try {
      running = await startTestBridge({ plugins: [...builtinPlugins, hangupCounter({ cause: 17 as unknown as string })] });
    } catch (caught) {
      error = caught;
    }
    expect((error as { code?: string }).code).toBe("PLUGIN_INVALID_OPTIONS");
    expect((error as Error).message).toContain("plugins.hangup-counter.cause: expected string, received 17");
  });
});
