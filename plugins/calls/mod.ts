/** The `calls` plugin: `/v1/calls` and `/v1/channels`. */
export { callsPlugin } from "./plugin.ts";
export { CallRequestSchema, CallSchema, CallsOptionsSchema, LiveChannelSchema, RedirectRequestSchema, type CallsOptions } from "./schema.ts";
export { CALL_NOTICE, CallTracker, callView } from "./tracker.ts";
