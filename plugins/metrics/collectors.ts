/**
 * What `/metrics` shows about the bridge itself: events per upstream, the bus and its subscribers
 * by kind, each upstream's connection, uptime. Everything is read at scrape time from state the
 * bridge keeps anyway (the clients count their events), so scraping adds nothing to the event path.
 */
import type { EventBus, SubscriberKindStats } from "../../core/bridge/bus.ts";
import type { Labels, Metrics } from "../../core/bridge/metrics.ts";
import type { Upstream, Upstreams } from "../../core/bridge/upstream.ts";
import type { ClientState } from "../../core/client/types.ts";
import type { FullReason, JournalWriter } from "../../core/journal/writer.ts";

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

/** Every reason the journal may not be taking everything, for `amibridge_journal_full`. */
const FULL_REASONS: readonly FullReason[] = ["limits", "append-failed", "backlog"];

/** Registers the journal families: size, commit lag, what it refused or dropped. Read from the writer's counters at scrape time. */
export function registerJournalMetrics(metrics: Metrics, journal: JournalWriter): void {
  const stat = <K extends keyof ReturnType<JournalWriter["stats"]>>(key: K) => () => journal.stats()[key] as number;
  metrics.collect("amibridge_journal_records", "Records held in the journal, as of the last commit or trim.", stat("records"));
  metrics.collect("amibridge_journal_bytes", "Bytes of entry data held in the journal, as of the last commit or trim.", stat("bytes"));
  metrics.collect("amibridge_journal_committed_seq", "Highest bus sequence number committed to the journal (accepted).", stat("committedSeq"));
  metrics.collect("amibridge_journal_pending", "Entries waiting for their commit, including the batch in flight.", stat("pending"));
  metrics.collect("amibridge_journal_commit_lag_seconds", "Commit lag over the latest commits (time from bus to committed), by quantile; 1 is the largest ever.", () => {
    const stats = journal.stats();
    return [[{ quantile: "0.5" }, stats.lagP50Ms / 1000], [{ quantile: "0.99" }, stats.lagP99Ms / 1000], [{ quantile: "1" }, stats.lagMaxMs / 1000]] as Sample[];
  });
  metrics.collect("amibridge_journal_commits_total", "Append transactions committed.", stat("commits"), "counter");
  metrics.collect("amibridge_journal_entries_committed_total", "Bus entries committed to the journal.", stat("committed"), "counter");
  metrics.collect("amibridge_journal_dropped_undelivered_total", "Records some consumer had not had yet, removed by the drop-oldest policy.", stat("droppedUndelivered"), "counter");
  metrics.collect("amibridge_journal_refused_total", "Bus entries the journal did not accept (full with stop-accepting, or a backlog past its bound); they still went live.", stat("refused"), "counter");
  metrics.collect("amibridge_journal_trimmed_total", "Records removed by retention, delivered or not.", stat("trimmed"), "counter");
  metrics.collect("amibridge_journal_append_failures_total", "Appends that failed and were retried (disk full, I/O errors).", stat("failures"), "counter");
  metrics.collect("amibridge_journal_full", "1 while the journal is not taking everything, by reason (limits, append-failed, backlog).", () => {
    const full = journal.stats().full;
    return FULL_REASONS.map((reason): Sample => [{ reason }, full === reason ? 1 : 0]);
  });
}
