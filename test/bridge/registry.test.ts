/** The plugin registry: order by dependencies, and coded failures for every way a plugin list can be wrong. */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { BridgeError, createBridge, definePlugin, resolvePlugins } from "../../core/bridge/mod.ts";
import { currentRuntime } from "../support/runtime.ts";

const noop = (name: string, dependencies: string[] = []) => definePlugin({ name, dependencies, setup() {} });

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BridgeError);
    return (error as BridgeError).code;
  }
  return undefined;
}

describe("plugin registry", () => {
  test("orders each plugin after its dependencies, whatever order they are given in", () => {
    const order = resolvePlugins([noop("c", ["b"]), noop("a"), noop("b", ["a"])].map((p) => ({ plugin: p.definition, options: undefined })));
    expect(order.map((p) => p.definition.name)).toEqual(["a", "b", "c"]);
  });

  test("a duplicate name fails with PLUGIN_DUPLICATE naming it", () => {
    expect(codeOf(() => resolvePlugins([noop("x"), noop("x")].map((p) => p())))).toBe("PLUGIN_DUPLICATE");
    expect(() => resolvePlugins([noop("x"), noop("x")].map((p) => p()))).toThrow('"x" twice');
  });

  test("a missing dependency fails with PLUGIN_MISSING_DEPENDENCY naming both", () => {
    expect(codeOf(() => resolvePlugins([noop("webhook", ["events"])()]))).toBe("PLUGIN_MISSING_DEPENDENCY");
    expect(() => resolvePlugins([noop("webhook", ["events"])()])).toThrow('plugin "webhook" expected plugin "events"');
  });

  test("a dependency cycle fails with PLUGIN_CYCLE showing the cycle", () => {
    const plugins = [noop("a", ["b"]), noop("b", ["c"]), noop("c", ["a"])].map((p) => p());
    expect(codeOf(() => resolvePlugins(plugins))).toBe("PLUGIN_CYCLE");
    expect(() => resolvePlugins(plugins)).toThrow("a → b → c → a");
  });

  test("options are validated by the plugin's schema; defaults fill in; errors name the path", () => {
    const webhook = definePlugin({
      name: "webhook",
      options: v.object({ url: v.pipe(v.string(), v.url()), retries: v.optional(v.number(), 3), secret: v.optional(v.pipe(v.string(), v.minLength(24))) }),
      setup() {},
    });
    expect(resolvePlugins([webhook({ url: "https://example.com/hook" })])[0]!.options).toEqual({ url: "https://example.com/hook", retries: 3 });
    expect(codeOf(() => resolvePlugins([webhook({ url: "nope" })]))).toBe("PLUGIN_INVALID_OPTIONS");
    expect(() => resolvePlugins([webhook({ url: "nope" })])).toThrow("plugins.webhook.url: expected");
  });

  test("an invalid secret option is described by its length, never echoed", () => {
    const webhook = definePlugin({ name: "webhook", options: v.object({ secret: v.pipe(v.string(), v.minLength(24)) }), setup() {} });
    let message = "";
    try {
      resolvePlugins([webhook({ secret: "hunter2-short" })]);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("plugins.webhook.secret");
    expect(message).toContain("a string of 13 characters");
    expect(message).not.toContain("hunter2");
  });

  test("options from the config's plugins section apply by name; unknown names there are refused", () => {
    const p = definePlugin({ name: "p", options: v.object({ n: v.number() }), setup() {} });
    expect(resolvePlugins([p], { p: { n: 2 } })[0]!.options).toEqual({ n: 2 });
    expect(codeOf(() => resolvePlugins([p], { p: { n: 1 }, q: {} }))).toBe("PLUGIN_INVALID_OPTIONS");
  });
});

describe("plugin isolation in createBridge", () => {
  test("a plugin whose setup throws is reported; the others and their routes keep working; dependents are skipped", async () => {
    const runtime = await currentRuntime();
    const broken = definePlugin({
      name: "broken",
      setup() {
        throw new Error("no database");
      },
    });
    const dependent = noop("dependent", ["broken"]);
    const fine = definePlugin({ name: "fine", setup: (ctx) => void ctx.router.get("/fine", (c) => c.text("yes")) });
    const bridge = await createBridge({ runtime, upstreams: [], plugins: [broken, dependent, fine] });
    expect(bridge.plugins).toEqual([
      { name: "broken", state: "failed", error: "no database" },
      { name: "dependent", state: "skipped", error: "its dependency broken failed" },
      { name: "fine", state: "running" },
    ]);
    expect(await (await bridge.fetch(new Request("http://x/fine"))).text()).toBe("yes");
    await bridge.close();
  });

  test("a route that throws answers a 500 problem without the error text; the next request works", async () => {
    const runtime = await currentRuntime();
    const lines: string[] = [];
    const { createLogger } = await import("../../core/bridge/mod.ts");
    const flaky = definePlugin({
      name: "flaky",
      setup(ctx) {
        ctx.router.get("/boom", () => {
          throw new Error("internal detail");
        });
        ctx.router.get("/ok", (c) => c.text("ok"));
      },
    });
    const bridge = await createBridge({ runtime, upstreams: [], plugins: [flaky], logger: createLogger((l) => lines.push(l)) });
    const boom = await bridge.fetch(new Request("http://x/boom"));
    expect(boom.status).toBe(500);
    expect(boom.headers.get("content-type")).toBe("application/problem+json");
    expect(await boom.text()).not.toContain("internal detail");
    expect(lines.join("\n")).toContain("internal detail");
    expect((await bridge.fetch(new Request("http://x/ok"))).status).toBe(200);
    await bridge.close();
  });

  test("ctx.use returns another plugin's api only when it is a declared dependency", async () => {
    const runtime = await currentRuntime();
    const provider = definePlugin({ name: "channels", setup: () => ({ api: { count: () => 7 } }) });
    let seen: number | undefined;
    const consumer = definePlugin({ name: "consumer", dependencies: ["channels"], setup: (ctx) => void (seen = ctx.use<{ count(): number }>("channels").count()) });
    const sneaky = definePlugin({ name: "sneaky", setup: (ctx) => void ctx.use("channels") });
    const bridge = await createBridge({ runtime, upstreams: [], plugins: [provider, consumer, sneaky] });
    expect(seen).toBe(7);
    expect(bridge.plugins.find((p) => p.name === "sneaky")).toMatchObject({ state: "failed" });
    await bridge.close();
  });

  test("close hooks run in reverse order and the abort signal fires first", async () => {
    const runtime = await currentRuntime();
    const order: string[] = [];
    const make = (name: string) =>
      definePlugin({
        name,
        setup(ctx) {
          ctx.signal.addEventListener("abort", () => order.push(`${name}:abort`));
          return { close: () => void order.push(`${name}:close`) };
        },
      });
    const bridge = await createBridge({ runtime, upstreams: [], plugins: [make("a"), make("b")] });
    await bridge.close();
    expect(order).toEqual(["a:abort", "b:abort", "b:close", "a:close"]);
  });

  test("unknown routes answer a 404 problem naming the route", async () => {
    const runtime = await currentRuntime();
    const bridge = await createBridge({ runtime, upstreams: [], plugins: [] });
    const response = await bridge.fetch(new Request("http://x/nope", { method: "PUT" }));
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ status: 404, detail: "expected a known route, got PUT /nope" });
  });
});

describe("TLS settings are never silently dropped", () => {
  test("an upstream with a CA or a pin but no tls plugin refuses to start with TLS_SETTINGS_UNAPPLIED", async () => {
    const runtime = await currentRuntime();
    let code: string | undefined;
    try {
      await createBridge({ runtime, upstreams: [{ name: "pbx1", url: "amis://u:p@127.0.0.1:5039", tls: { fingerprint256: "AB".repeat(32) } }], plugins: [] });
    } catch (error) {
      code = (error as BridgeError).code;
      expect((error as Error).message).toBe("upstream pbx1 has TLS settings, but the tls plugin is not loaded (add it to the plugins)");
      expect((error as Error).message).not.toContain(":p@");
    }
    expect(code).toBe("TLS_SETTINGS_UNAPPLIED");
  });
});
