/** The plugin from README's "Write a plugin": counts hangups with one cause, as a route and a metric. */
import * as v from "valibot";
import { definePlugin } from "../core/bridge/mod.ts";

/** Counts Hangup events whose `Cause` is `options.cause` (default 16, normal clearing). */
export const hangupCounter = definePlugin({
  name: "hangup-counter",
  dependencies: ["events"],
  options: v.object({ cause: v.optional(v.string(), "16") }),
  setup(ctx, options) {
    let count = 0;
    const off = ctx.bus.listen((entry) => {
      if (entry.name === "Hangup" && entry.message?.get("Cause") === options.cause) count++;
    });
    ctx.signal.addEventListener("abort", off);
    ctx.router.get("/v1/hangups", (c) => c.json({ cause: options.cause, count })); // /v1 requires a token
    ctx.metrics.collect("hangup_counter_total", "Hangups with the chosen cause.", () => count, "counter");
  },
});
