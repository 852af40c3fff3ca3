/**
 * What `/metrics` shows about the bridge itself: events per upstream, the bus and its subscribers
 * by kind, each upstream's connection, uptime. Everything is read at scrape time from state the
 * bridge keeps anyway, except the per-upstream event count, which a bus listener keeps.
 */
import type { EventBus, SubscriberKindStats } from "../../core/bridge/bus.ts";
import type { Labels, Metrics } from "../../core/bridge/metrics.ts";
import type { Upstream, Upstreams } from "../../core/bridge/upstream.ts";
import type { ClientState } from "../../core/client/types.ts";

type Sample = readonly [Labels, number];

/** Every state an upstream's client can be in, for `amibridge_upstream_state`. */
const STATES: readonly ClientState[] = ["idle", "connecting", "authenticating", "ready", "reconnecting", "closed"];

/** Registers the event bus families; returns the function that stops counting. */
export function registerBusMetrics(metrics: Metrics, bus: EventBus, upstreams: Upstreams): () => void {
  // Every known upstream starts at 0, so rate() works from the first event on.
  const received = new Map<string, number>(upstreams.names().map((name) => [name, 0]));
  const stop = bus.listen((entry) => {
    if (entry.type === "event") received.set(entry.server, (received.get(entry.server) ?? 0) + 1);
  });
  metrics.collect("amibridge_events_received_total", "AMI events received from each upstream.", () => [...received].map(([server, count]): Sample => [{ server }, count]), "counter");
  metrics.collect(
    "amibridge_bus_entries_total",
    "Entries published on the event bus, by type: event, gap (a reconnect lost events), upstream (state notice).",
    () => Object.entries(bus.published).map(([type, count]): Sample => [{ type }, count]),
    "counter",
  );
  const byKind = (pick: (stats: SubscriberKindStats) => number) => () => [...bus.kindStats()].map(([kind, stats]): Sample => [{ kind }, pick(stats)]);
  metrics.collect("amibridge_subscribers", "Connected event subscribers, by kind (sse, websocket, webhook, etc.).", byKind((s) => s.subscribers));
  metrics.collect("amibridge_events_delivered_total", "Bus entries handed to subscribers, by subscriber kind.", byKind((s) => s.delivered), "counter");
  metrics.collect("amibridge_events_dropped_total", "Bus entries dropped because a subscriber's queue was full, by subscriber kind.", byKind((s) => s.dropped), "counter");
  metrics.collect("amibridge_subscribers_cut_off_total", "Subscribers disconnected because they fell too far behind, by kind.", byKind((s) => s.cutOff), "counter");
  metrics.collect("amibridge_subscriber_queue_depth", "Bus entries waiting in subscriber queues, summed by subscriber kind.", byKind((s) => s.queued));
  return stop;
}

/** Registers the per-upstream connection families. */
export function registerUpstreamMetrics(metrics: Metrics, upstreams: Upstreams): void {
  const each = (sample: (upstream: Upstream) => number) => () => upstreams.list().map((upstream): Sample => [{ server: upstream.name }, sample(upstream)]);
  metrics.collect("amibridge_upstream_up", "1 while the upstream AMI session is logged in and ready, else 0.", each((u) => (u.client.state === "ready" ? 1 : 0)));
  metrics.collect("amibridge_upstream_state", "1 for the upstream's current connection state, 0 for the others.", () =>
    upstreams.list().flatMap((upstream) => STATES.map((state): Sample => [{ server: upstream.name, state }, upstream.client.state === state ? 1 : 0])),
  );
  metrics.collect("amibridge_upstream_reconnects_total", "Sessions re-established after a lost connection.", each((u) => u.reconnects), "counter");
  metrics.collect("amibridge_upstream_pending_actions", "Actions sent to the upstream and still waiting for their response.", each((u) => u.client.pendingActions));
  metrics.collect("amibridge_upstream_tls_cert_expiry_timestamp_seconds", "When the upstream's TLS certificate expires (Unix time), as of the last handshake.", () =>
    upstreams.list().flatMap((upstream): Sample[] => {
      const validTo = upstream.tls?.validTo;
      return validTo ? [[{ server: upstream.name, subject: upstream.tls?.subject ?? "" }, Math.floor(validTo.getTime() / 1000)]] : [];
    }),
  );
}

/** Registers the bridge's uptime and start time (no runtime API needed). */
export function registerProcessMetrics(metrics: Metrics): void {
  const started = performance.now();
  const startTime = Date.now() / 1000;
  metrics.collect("amibridge_uptime_seconds", "Seconds since the bridge set up its metrics.", () => (performance.now() - started) / 1000);
  metrics.collect("amibridge_start_time_seconds", "When the bridge started (Unix time).", () => startTime);
}
