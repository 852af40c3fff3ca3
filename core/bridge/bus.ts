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
  /** While a journal gates delivery: entries published but not yet released to subscribers, oldest first. */
  #held: (BusEntry | undefined)[] | undefined;
  #heldHead = 0;
  #released = 0;

  constructor(options: EventBusOptions = {}) {
    this.ring = new EntryRing(options.ring ?? 10_000);
    this.maxSubscribers = options.maxSubscribers ?? 1000;
  }

  /** Sequence number of the newest entry. */
  get latestSeq(): number {
    return this.#seq;
  }

  /** Sequence number of the newest entry subscribers may have seen (all of them unless a journal gates delivery). */
  get releasedSeq(): number {
    return this.#held ? this.#released : this.#seq;
  }

  /**
   * Continues the sequence of an earlier run (the journal's last sequence number): the next entry
   * gets `seq + 1`. Only before anything is published.
   */
  continueFrom(seq: number): void {
    if (this.#seq !== 0 || this.ring.latest !== 0) throw new RangeError(`expected a bus with nothing published to continue from ${seq}, got one at ${this.#seq}`);
    this.#seq = this.#released = seq;
    this.ring.startAfter(seq);
  }

  /**
   * From now on subscribers receive an entry only once {@link release} lets it go (the journal
   * committed it, or gave up on it): what a subscriber saw is never renumbered by a restart.
   * Listeners still see every entry at once.
   */
  holdUntilReleased(): void {
    this.#held ??= [];
    this.#released = this.#seq;
  }

  /** Delivers every held entry up to `seq` to the subscribers that want it, in order. */
  release(seq: number): void {
    const held = this.#held;
    if (!held || seq <= this.#released) return;
    this.#released = Math.min(seq, this.#seq);
    while (this.#heldHead < held.length && held[this.#heldHead]!.seq <= this.#released) {
      const entry = held[this.#heldHead]!;
      held[this.#heldHead++] = undefined;
      for (const subscription of this.#subscribers) if (subscription.wants(entry)) subscription.push(entry);
    }
    if (this.#heldHead === held.length) {
      held.length = 0;
      this.#heldHead = 0;
    } else if (this.#heldHead > 4096 && this.#heldHead * 2 > held.length) {
      held.splice(0, this.#heldHead);
      this.#heldHead = 0;
    }
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
    // Held entries reach the new subscriber when released, so the replay stops where they begin;
    // and an id above what was released must not bring back what the client says it has.
    const released = this.releasedSeq;
    const filter = options.filter;
    const after = lastSeq > released && lastSeq <= this.#seq ? lastSeq : undefined;
    const subscription = this.subscribe(after === undefined ? options : { ...options, filter: (entry) => entry.seq > after && (!filter || filter(entry)) });
    const replay = this.ring.since(lastSeq, released);
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
    // Held before the listeners run: the journal's listener may release it on the spot.
    this.#held?.push(entry);
    for (const listener of this.#listeners) {
      try {
        listener(entry);
      } catch {
        // A listener is told to be quick and not throw; one that does must not stop the fan-out.
      }
    }
    if (!this.#held) for (const subscription of this.#subscribers) if (subscription.wants(entry)) subscription.push(entry);
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
