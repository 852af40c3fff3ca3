/**
 * The event bus: every upstream's events and the bridge's notices, numbered with one bridge-wide
 * sequence, kept in a bounded ring for resume, and pushed to each subscriber's bounded queue.
 * Publishing never waits for a subscriber.
 */
import type { AmiMessage } from "../message.ts";
import { type BusEntry, type EntryType, eventEntry, noticeEntry } from "./entry.ts";
import { EntryRing, type Replay } from "./ring.ts";
import { Subscription, type SubscriptionOptions } from "./subscription.ts";

/** Options for {@link EventBus}. */
export interface EventBusOptions {
  /** Entries kept for `Last-Event-ID` resume. Default 10 000. */
  ring?: number;
  /** Most subscribers at once; {@link EventBus.subscribe} refuses more. Default 1000. */
  maxSubscribers?: number;
}

/** Counters per subscriber kind, live and closed subscribers added up. */
export interface SubscriberKindStats {
  subscribers: number;
  delivered: number;
  dropped: number;
  queued: number;
  cutOff: number;
}

/** Thrown by {@link EventBus.subscribe} when the subscriber limit is reached. */
export class TooManySubscribersError extends Error {
  override name = "TooManySubscribersError";
  readonly code = "TOO_MANY_SUBSCRIBERS";
}

/** What a notice type declares when a plugin defines it. */
export interface NoticeDefinition {
  /** Read classes a token needs to see these notices (default none: every reader of the server). */
  classes?: readonly string[];
}

/** Thrown when a notice type is published before it is defined, or defined twice differently. */
export class NoticeTypeError extends Error {
  override name = "NoticeTypeError";
  readonly code = "NOTICE_TYPE_INVALID";
}

/** Notice type names: lower case, dot-separated words (`webhook.disabled`). */
const NOTICE_TYPE = /^[a-z][a-z0-9_-]*(?:\.[a-z][a-z0-9_-]*)*$/;

/** Synchronous observer of every published entry (metrics, registries); must be quick and must not throw. */
export type BusListener = (entry: BusEntry) => void;

/** Fans entries out to subscribers; see the module comment. */
export class EventBus {
  readonly ring: EntryRing;
  readonly maxSubscribers: number;
  /** Entries published, by type. */
  readonly published: Record<EntryType, number> = { event: 0, gap: 0, upstream: 0 };
  readonly #notices = new Map<string, NoticeDefinition>([["gap", {}], ["upstream", {}]]);
  readonly #subscribers = new Set<Subscription>();
  readonly #retired = new Map<string, SubscriberKindStats>();
  readonly #listeners = new Set<BusListener>();
  #seq = 0;

  constructor(options: EventBusOptions = {}) {
    this.ring = new EntryRing(options.ring ?? 10_000);
    this.maxSubscribers = options.maxSubscribers ?? 1000;
  }

  /** Sequence number of the newest entry. */
  get latestSeq(): number {
    return this.#seq;
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /** Publishes an AMI event received from `server`. */
  publishEvent(server: string, message: AmiMessage): BusEntry {
    return this.#publish(eventEntry(++this.#seq, server, message));
  }

  /**
   * Declares a notice type a plugin publishes (`webhook.disabled`, `call`), so filters accept it
   * in `types=` and grants know which read classes it needs. Defining the same type again with the
   * same classes is allowed (a plugin restarted); with other classes it is an error.
   */
  defineNotice(type: string, definition: NoticeDefinition = {}): void {
    if (type === "event" || !NOTICE_TYPE.test(type)) throw new NoticeTypeError(`expected a notice type of lower-case dot-separated words other than "event", got ${JSON.stringify(type)}`);
    const classes = [...(definition.classes ?? [])].map((c) => c.toLowerCase()).sort();
    const known = this.#notices.get(type);
    if (known && JSON.stringify(known.classes ?? []) !== JSON.stringify(classes)) {
      throw new NoticeTypeError(`notice type ${JSON.stringify(type)} is already defined with classes [${(known.classes ?? []).join(", ")}]`);
    }
    this.#notices.set(type, { classes });
    this.published[type] ??= 0;
  }

  /** Every notice type that may be published, built-in ones first. */
  noticeTypes(): string[] {
    return [...this.#notices.keys()];
  }

  /** The read classes a defined notice type needs (empty: none), or undefined for an unknown type. */
  noticeClasses(type: string): readonly string[] | undefined {
    const definition = this.#notices.get(type);
    return definition && (definition.classes ?? []);
  }

  /** Publishes a notice about `server`; its type must be built in or defined with {@link defineNotice}. */
  publishNotice(type: string, server: string, fields: Record<string, unknown>): BusEntry {
    const definition = this.#notices.get(type);
    if (!definition) throw new NoticeTypeError(`expected a defined notice type (${this.noticeTypes().join(", ")}), got ${JSON.stringify(type)}`);
    return this.#publish(noticeEntry(++this.#seq, type, server, fields, definition.classes));
  }

  /** Observes every entry synchronously; returns the function that stops it. */
  listen(listener: BusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Adds a subscriber that receives entries published from now on. */
  subscribe(options: SubscriptionOptions = {}): Subscription {
    if (this.#subscribers.size >= this.maxSubscribers) {
      throw new TooManySubscribersError(`expected at most ${this.maxSubscribers} subscribers, and that many are connected`);
    }
    const subscription = new Subscription(options, (closed) => this.#retire(closed));
    this.#subscribers.add(subscription);
    return subscription;
  }

  /**
   * Subscribes and returns what was missed since `lastSeq`, filtered the same way. Both happen in
   * one synchronous step, so no entry falls between the replay and the live queue.
   */
  resume(lastSeq: number, options: SubscriptionOptions = {}): { subscription: Subscription; replay: Replay } {
    const subscription = this.subscribe(options);
    const replay = this.ring.since(lastSeq);
    return { subscription, replay: { ...replay, entries: replay.entries.filter((entry) => subscription.wants(entry)) } };
  }

  /** Closes every subscriber (shutdown). */
  closeAll(): void {
    for (const subscription of [...this.#subscribers]) subscription.close("shutdown");
  }

  /** Counters per subscriber kind. */
  kindStats(): Map<string, SubscriberKindStats> {
    const out = new Map<string, SubscriberKindStats>();
    for (const [kind, stats] of this.#retired) out.set(kind, { ...stats });
    for (const s of this.#subscribers) {
      const stats = out.get(s.kind) ?? { subscribers: 0, delivered: 0, dropped: 0, queued: 0, cutOff: 0 };
      stats.subscribers++;
      stats.delivered += s.delivered;
      stats.dropped += s.dropped;
      stats.queued += s.depth;
      out.set(s.kind, stats);
    }
    return out;
  }

  #publish(entry: BusEntry): BusEntry {
    this.published[entry.type] = (this.published[entry.type] ?? 0) + 1;
    this.ring.add(entry);
    for (const listener of this.#listeners) {
      try {
        listener(entry);
      } catch {
        // A listener is told to be quick and not throw; one that does must not stop the fan-out.
      }
    }
    for (const subscription of this.#subscribers) if (subscription.wants(entry)) subscription.push(entry);
    return entry;
  }

  #retire(subscription: Subscription): void {
    if (!this.#subscribers.delete(subscription)) return;
    const stats = this.#retired.get(subscription.kind) ?? { subscribers: 0, delivered: 0, dropped: 0, queued: 0, cutOff: 0 };
    stats.delivered += subscription.delivered;
    stats.dropped += subscription.dropped;
    if (subscription.closeReason === "overflow") stats.cutOff++;
    this.#retired.set(subscription.kind, stats);
  }
}
