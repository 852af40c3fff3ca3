/** The plugin's options: defaults with none given, refusals that name the option. */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { createBridge } from "../../../core/bridge/mod.ts";
import { eventsPlugin, EventsOptionsSchema } from "../../../plugins/events/mod.ts";
import { currentRuntime, runtimeName } from "../../support/runtime.ts";

describe(`events plugin: options (${runtimeName})`, () => {
  test("no options: the documented defaults", () => {
    expect(v.parse(EventsOptionsSchema, undefined)).toEqual({ subscriberQueue: 1024, heartbeatMs: 15_000, maxBufferedBytes: 1_048_576, wsOverflow: "drop-oldest", sseOverflow: "close" });
    expect(v.parse(EventsOptionsSchema, { wsOverflow: "close" }).wsOverflow).toBe("close");
  });

  test("a bad option fails the bridge's start, naming it", async () => {
    const runtime = await currentRuntime();
    // SSE has no drop-oldest: a browser could not tell it lost entries.
    const bad = createBridge({ runtime, upstreams: [], plugins: [eventsPlugin({ sseOverflow: "drop-oldest" as "close" })] });
    await expect(bad).rejects.toThrow("plugins.events.sseOverflow");
    await expect(createBridge({ runtime, upstreams: [], plugins: [eventsPlugin({ subscriberQueue: 0 })] })).rejects.toThrow("plugins.events.subscriberQueue");
    // As is, without calling it: the defaults.
    const bridge = await createBridge({ runtime, upstreams: [], plugins: [eventsPlugin] });
    expect(bridge.plugins).toEqual([{ name: "events", state: "running" }]);
    await bridge.close();
  });
});
