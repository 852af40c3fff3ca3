/**
 * What `/metrics` shows about the bridge itself: events per upstream, the bus and its subscribers
 * by kind, each upstream's connection, uptime. Everything is read at scrape time from state the
 * bridge keeps anyway (the clients count their events), so scraping adds nothing to the event path.
 */
import type { EventBus, SubscriberKindStats } from "../../core/bridge/bus.ts";
import type { Labels, Metrics } from "../../core/bridge/metrics.ts";
import type { Upstream, Upstreams } from "../../core/bridge/upstream.ts";
import type { ClientState } from "../../core/client/types.ts";

type Sample = readonly [Labels, number];

/** Every state an upstream's client can be in, for `amibridge_upstream_state`. */
const STATES: readonly ClientState[] = ["idle", "connecting", "authenticating", "ready", "reconnecting", "closed"];

/** Registers the event bus families. */
export function registerBusMetrics(metrics: Metrics, bus: EventBus, upstreams: Upstreams): void {
  // Every known upstream is listed from the start (at 0), so rate() works from the first event on.
  metrics.collect("amibridge_events_received_total", "AMI events received from each upstream.", () => upstreams.list().map((u): Sample => [{ server: u.name }, u.client.stats.eventsReceived]), "counter");
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
