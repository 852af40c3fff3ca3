/** Options of the `events` plugin, with defaults, so the plugin works with none. */
import * as v from "valibot";

const positiveInteger = v.pipe(v.number(), v.integer(), v.minValue(1));

/** Valibot schema of the `events` plugin's options. */
export const EventsOptionsSchema = v.optional(
  v.strictObject({
    /** Entries held for one subscriber before its overflow policy applies. */
    subscriberQueue: v.optional(positiveInteger, 1024),
    /** An idle SSE stream gets a `: ping` comment this often, so proxies keep it open. */
    heartbeatMs: v.optional(positiveInteger, 15_000),
    /** A WebSocket with more bytes than this waiting in the server stops being sent to. */
    maxBufferedBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 1_048_576),
    /** A WebSocket whose queue overflows loses the oldest entries (and is told how many), or is closed. */
    wsOverflow: v.optional(v.picklist(["close", "drop-oldest"]), "drop-oldest"),
    /** SSE can only be cut off: `EventSource` reconnects with `Last-Event-ID` and the ring fills the gap. */
    sseOverflow: v.optional(v.picklist(["close"]), "close"),
  }),
  {},
);

/** The `events` plugin's options after defaults. */
export type EventsOptions = v.InferOutput<typeof EventsOptionsSchema>;
