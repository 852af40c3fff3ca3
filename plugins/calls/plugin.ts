/**
 * The `calls` plugin: click-to-call with tracking (`/v1/calls`), the live channel registry and
 * call control (`/v1/channels`). Call state is derived from events by the pure reducers of
 * core/calls/; this file only wires them to the bus, the upstreams and the router.
 */
import { definePlugin } from "../../core/bridge/plugin.ts";
import { describeCallRoutes } from "./openapi.ts";
import { callRoutes } from "./routes-calls.ts";
import { channelRoutes } from "./routes-channels.ts";
import { CallsOptionsSchema } from "./schema.ts";
import { CallTracker } from "./tracker.ts";

/** Places, tracks, redirects and hangs up calls; see the module comment. */
export const callsPlugin = definePlugin({
  name: "calls",
  options: CallsOptionsSchema,
  setup(ctx, options) {
    const tracker = new CallTracker(ctx.bus, ctx.upstreams, ctx.logger, options);
    // Listening from setup on: the upstreams' first `ready` (and its CoreShowChannels) comes after the start hooks.
    tracker.start();
    callRoutes(ctx, tracker, options);
    channelRoutes(ctx, tracker);
    describeCallRoutes(ctx.openapi);
    return {
      api: tracker,
      close: () => tracker.close(),
      health: () => tracker.health(),
    };
  },
});
