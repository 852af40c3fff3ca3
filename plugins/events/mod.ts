/**
 * The `events` plugin: the event bus to the outside world, as Server-Sent Events
 * (`GET /v1/events`) and as a WebSocket (`GET /v1/events/ws`), with the same filters and resume.
 */
import type { Context } from "hono";
import { TooManySubscribersError } from "../../core/bridge/bus.ts";
import { definePlugin, type BridgeEnv } from "../../core/bridge/plugin.ts";
import { HttpProblem } from "../../core/bridge/problem.ts";
import type { Subscription } from "../../core/bridge/subscription.ts";
import { compileFilter } from "./filter.ts";
import { describeRoutes } from "./openapi.ts";
import { EventsOptionsSchema } from "./options.ts";
import { openSubscription, parseLastEventId, type Prelude, tooManySubscribers } from "./resume.ts";
import { SSE_HEADERS, sseStream } from "./sse.ts";
import { CLOSE_GOING_AWAY, CLOSE_TOO_SLOW, pumpToSocket } from "./websocket.ts";

export { compileFilter, type EntryPredicate } from "./filter.ts";
export { EventsOptionsSchema, type EventsOptions } from "./options.ts";
export { pumpToSocket, type SocketPumpOptions } from "./websocket.ts";

/** The `events` plugin; see the module comment. */
export const eventsPlugin = definePlugin({
  name: "events",
  options: EventsOptionsSchema,
  setup(ctx, options) {
    const { bus, router, upstreams } = ctx;
    const shuttingDown = () => new HttpProblem(503, "expected a running bridge, got one that is shutting down", { headers: { "retry-after": "5" } });

    /** Filter and resume point of a request; throws the 400/403 problems before anything is opened. */
    const parseRequest = (c: Context<BridgeEnv>) => {
      const query = new URL(c.req.url).searchParams;
      const filter = compileFilter(query, upstreams, c.get("policy"), ctx.bus.noticeTypes());
      const lastSeq = parseLastEventId(c.req.header("last-event-id"), query.get("lastEventId"));
      return { filter, lastSeq };
    };

    router.get("/v1/events", async (c) => {
      const { filter, lastSeq } = parseRequest(c);
      if (ctx.signal.aborted) throw shuttingDown();
      // HEAD: the answer GET would give, without its body, so without a subscription to leak
      // (the app drops a HEAD's body unread, and nothing would ever cancel its stream).
      if (c.req.method === "HEAD") {
        if (bus.subscriberCount >= bus.maxSubscribers) throw tooManySubscribers(new TooManySubscribersError(`expected at most ${bus.maxSubscribers} subscribers, and that many are connected`));
        return new Response(null, { headers: SSE_HEADERS });
      }
      const { subscription, prelude } = await openSubscription(bus, lastSeq, { filter, capacity: options.subscriberQueue, overflow: options.sseOverflow, kind: "sse" }, ctx.journal);
      const stream = sseStream(subscription, prelude, { heartbeatMs: options.heartbeatMs, signal: c.req.raw.signal });
      return new Response(stream, { headers: SSE_HEADERS });
    });

    router.get("/v1/events/ws", (c) => {
      const upgrade = c.env?.upgradeWebSocket;
      if (!upgrade || c.req.header("upgrade")?.toLowerCase() !== "websocket") {
        throw new HttpProblem(426, "expected a WebSocket upgrade request (Upgrade: websocket), got a plain HTTP request", { headers: { upgrade: "websocket" } });
      }
      const { filter, lastSeq } = parseRequest(c);
      if (ctx.signal.aborted) throw shuttingDown();
      // Refused here while it can still be an HTTP answer; the subscription itself opens with the socket.
      if (bus.subscriberCount >= bus.maxSubscribers) throw tooManySubscribers(new TooManySubscribersError(`expected at most ${bus.maxSubscribers} subscribers, and that many are connected`));
      let stop: (() => void) | undefined;
      let gone = false;
      return upgrade({
        async open(socket) {
          if (ctx.signal.aborted) return socket.close(CLOSE_GOING_AWAY, "bridge shutting down");
          let opened: { subscription: Subscription; prelude: Prelude };
          try {
            opened = await openSubscription(bus, lastSeq, { filter, capacity: options.subscriberQueue, overflow: options.wsOverflow, kind: "ws" }, ctx.journal);
          } catch (error) {
            // Another subscriber took the last place between the check and the handshake.
            if (error instanceof HttpProblem && error.status === 503) return socket.close(CLOSE_TOO_SLOW, "too many subscribers");
            ctx.logger.error("opening a WebSocket subscriber failed", { error: error instanceof Error ? error : new Error(String(error)) });
            return socket.close(1011, "internal error");
          }
          // The socket may have closed while the journal was read.
          if (gone) return opened.subscription.close();
          stop = pumpToSocket(socket, opened.subscription, opened.prelude, { maxBufferedBytes: options.maxBufferedBytes });
        },
        // The stream is one-way; whatever a client sends is ignored.
        message() {},
        close() {
          gone = true;
          stop?.();
        },
      });
    });

    describeRoutes(ctx.openapi);

    return {
      health() {
        const stats = bus.kindStats();
        return { subscribers: { sse: stats.get("sse")?.subscribers ?? 0, ws: stats.get("ws")?.subscribers ?? 0 } };
      },
    };
  },
});
