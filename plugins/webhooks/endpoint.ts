/**
 * One endpoint's delivery loop: a durable cursor over the journal. Ordered endpoints have one
 * delivery in flight, so a failing one holds back the rest until it is delivered or dead-lettered;
 * unordered ones up to `concurrency`. The cursor only passes a batch once it is delivered or
 * dead-lettered, so whatever was in flight at a crash is sent again, with the same webhook-id.
 * Every endpoint runs its own loop: a slow or hung receiver delays nobody else.
 */
import type { BusEntry } from "../../core/bridge/entry.ts";
import type { EventBus } from "../../core/bridge/bus.ts";
import type { Logger } from "../../core/bridge/logger.ts";
import { HttpConnectionPool } from "../../core/http/connection-pool.ts";
import { type AttemptContext, type AttemptResult, attemptDelivery } from "./attempt.ts";
import { type Batch, batchBody, batchSize, firstSeq, type QueuedEntry, readInto, type ReaderContext, readReplayPiece } from "./batches.ts";
import { DeliveryLog, type AttemptRecord } from "./delivery-log.ts";
import { addRange, capRanges, removeRange, type SeqRange } from "./ranges.ts";
import { scheduledDelay } from "./retry.ts";
import { Signer } from "./signing.ts";
import type { CommittedJournal } from "./source.ts";
import type { EndpointState, WebhookStore } from "./store.ts";
import { type StoredSubscription, webhookId } from "./subscription.ts";
import { sleep, Wake } from "./wake.ts";

/** Plugin-wide delivery settings. */
export interface EndpointSettings {
  schedule: readonly number[];
  maxRetryAfterMs: number;
  disableAfterMs: number;
  readBatch: number;
  maxDeadLetterRanges: number;
  attemptLog: number;
}

/** A dead-lettered delivery, for the `webhook.exhausted` notice. */
export interface DeadLetter {
  webhookId: string;
  fromSeq: number;
  toSeq: number;
  events: number;
  attempts: number;
  reason: "exhausted" | "rejected";
  error?: string;
}

/** What the endpoint tells the plugin. */
export interface EndpointHooks {
  disabled(endpoint: Endpoint, reason: string): void;
  deadLettered(endpoint: Endpoint, letter: DeadLetter): void;
  attempted(endpoint: Endpoint, record: AttemptRecord): void;
  delivered(endpoint: Endpoint, events: number): void;
  lost(endpoint: Endpoint, count: number): void;
}

/** What an endpoint works with. */
export interface EndpointDeps {
  source: CommittedJournal;
  store: WebhookStore;
  bus: EventBus;
  attempt: AttemptContext;
  settings: EndpointSettings;
  hooks: EndpointHooks;
  logger: Logger;
  random?: () => number;
}

/** `active` delivers; `paused` by the user; `disabled` by the bridge; `invalid`: the filter does not compile. */
export type EndpointStateName = "active" | "paused" | "disabled" | "invalid";

type Outcome = "delivered" | "dead" | "stopped";
type Changes = Parameters<WebhookStore["update"]>[1];

/** Retry after a journal error, in ms. */
const JOURNAL_RETRY_MS = 1000;
/**
 * Most batches formed and not yet passed by the cursor. Unordered deliveries go on past one that
 * keeps failing, and each one done behind it waits here until the cursor can pass: the bound
 * keeps that memory (and what a restart sends again) finite.
 */
const MAX_PENDING = 10_000;
/** Longest wait of a cursor-only write; see `#persist`. */
const CURSOR_WRITE_MS = 50;

/** One endpoint; see the module comment. */
export class Endpoint {
  readonly id: string;
  readonly log: DeliveryLog;
  state: EndpointStateName;
  /** Why it is disabled or invalid. */
  reason: string | undefined;
  cursor = 0;
  dead: SeqRange[] = [];
  replay: SeqRange[] = [];
  short: SeqRange[] = [];
  failingSince: number | undefined;
  lostRecords = 0;

  readonly #deps: EndpointDeps;
  readonly #predicate: ((entry: BusEntry) => boolean) | undefined;
  readonly #signer: Signer;
  readonly #url: URL;
  readonly #controller = new AbortController();
  /** Keep-alive connections to the receiver, one per delivery that may be in flight. */
  readonly #connections: HttpConnectionPool;
  readonly #wake = new Wake();
  readonly #pending: Batch[] = [];
  readonly #inFlight = new Set<Batch>();
  readonly #queue: QueuedEntry[] = [];
  #replayInFlight = false;
  #readSeq = 0;
  #assigned = 0;
  #firstSeenAt: number | undefined;
  #loop: Promise<void> | undefined;
  #writes: Promise<void> = Promise.resolve();
  #changes: Changes = {};
  #writeQueued = false;
  #cursorTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly subscription: StoredSubscription,
    predicate: ((entry: BusEntry) => boolean) | Error,
    deps: EndpointDeps,
  ) {
    this.id = subscription.id;
    this.#deps = deps;
    this.log = new DeliveryLog(deps.settings.attemptLog);
    this.#signer = new Signer(subscription.secrets, deps.attempt.hmac);
    this.#url = new URL(subscription.url);
    this.#connections = new HttpConnectionPool({ maxIdle: subscription.ordered ? 1 : subscription.concurrency });
    if (predicate instanceof Error) {
      this.state = "invalid";
      this.reason = predicate.message;
    } else {
      this.#predicate = predicate;
      this.state = subscription.disabled ? "disabled" : subscription.enabled ? "active" : "paused";
      this.reason = subscription.disabled?.reason;
    }
  }

  /** Loads the stored state (a new endpoint starts at `startSeq`) and starts delivering if active. */
  async start(startSeq: number): Promise<void> {
    const state: EndpointState = await this.#deps.store.state(this.id, startSeq);
    this.cursor = this.#readSeq = this.#assigned = state.cursor;
    this.dead = state.dead;
    this.replay = state.replay;
    this.short = state.short;
    this.failingSince = state.failingSince;
    // Declared before anything is read, so journal retention keeps what this endpoint still owes from the start.
    if (!state.cursorStored) await this.#deps.store.update(this.id, { cursor: this.cursor });
    if (this.state === "active" && !this.#controller.signal.aborted) this.#loop = this.#run(this.#controller.signal);
  }

  /** New records were committed, or something else changed: look again. */
  notify(): void {
    this.#wake.notify();
  }

  /** Stops delivering: attempts in flight are aborted (and sent again on the next start). */
  async stop(): Promise<void> {
    this.#controller.abort();
    await this.#loop;
    this.#connections.close();
    await this.#write();
  }

  /** Queues `ranges` to be sent again (durably), after what is in flight. */
  async requestReplay(ranges: readonly SeqRange[]): Promise<void> {
    for (const [from, to] of ranges) this.replay = addRange(this.replay, from, to);
    await this.#persist({ replay: this.replay });
    this.notify();
  }

  /** Journal entries after the cursor. */
  backlog(): number {
    return Math.max(0, this.#deps.source.committedSeq() - this.cursor);
  }

  /** Deliveries in flight now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** When the oldest entry not yet delivered was received, among those read. */
  oldestUndeliveredAt(): number | undefined {
    const pending = this.#pending.find((batch) => !batch.done && batch.entries.length > 0);
    return pending?.entries[0]!.time ?? this.#queue[0]?.time;
  }

  /**
   * The delivery loop. One batch is read and its body made ahead of the free slot (`ready`), so
   * the next delivery is prepared while the one in flight waits for its receiver: with one in
   * flight (ordered), reading and the receiver's work overlap instead of taking turns.
   */
  async #run(signal: AbortSignal): Promise<void> {
    const running = new Set<Promise<void>>();
    let ready: Batch | undefined;
    while (!signal.aborted) {
      const limit = this.subscription.ordered ? 1 : this.subscription.concurrency;
      let timeout: number | undefined;
      if (ready === undefined && this.#pending.length < MAX_PENDING) {
        let next: Batch | number | undefined;
        try {
          next = await this.#nextBatch();
        } catch (error) {
          this.#deps.logger.error(`webhook ${this.id}: reading the journal failed; retrying`, { error: error instanceof Error ? error : new Error(String(error)) });
          await sleep(JOURNAL_RETRY_MS, signal);
          continue;
        }
        if (signal.aborted) break;
        if (typeof next === "object") {
          next.body = batchBody(next, this.subscription.batch.maxEvents > 1);
          ready = next;
        } else timeout = next;
      }
      if (ready !== undefined && this.#inFlight.size < limit) {
        this.#launch(ready, signal, running);
        ready = undefined;
        continue;
      }
      await this.#wake.wait(signal, ready === undefined ? timeout : undefined);
    }
    await Promise.allSettled([...running]);
  }

  #launch(batch: Batch, signal: AbortSignal, running: Set<Promise<void>>): void {
    this.#inFlight.add(batch);
    if (batch.replay) this.#replayInFlight = true;
    const task: Promise<void> = this.#deliver(batch, signal)
      .then((outcome) => this.#complete(batch, outcome))
      .catch((error: unknown) => this.#deps.logger.error(`webhook ${this.id}: a delivery failed unexpectedly`, { error: error instanceof Error ? error : new Error(String(error)) }))
      .finally(() => {
        this.#inFlight.delete(batch);
        if (batch.replay) this.#replayInFlight = false;
        running.delete(task);
        this.#wake.notify();
      });
    running.add(task);
  }

  /** The next delivery, or how long to wait for a batch to fill (ms), or undefined: wait for a commit. */
  async #nextBatch(): Promise<Batch | number | undefined> {
    if (!this.#replayInFlight && this.replay.length > 0) {
      const batch = await this.#replayBatch();
      if (batch) return batch;
    }
    const { maxEvents, maxWaitMs } = this.subscription.batch;
    this.#readSeq = await readInto(this.#readerContext(), this.#queue, this.#readSeq, this.#deps.source.committedSeq(), maxEvents);
    if (this.#queue.length === 0) {
      if (this.#readSeq > this.#assigned) {
        // Only entries this endpoint does not take: the cursor may pass them.
        const last = this.#pending.at(-1);
        if (last?.done && last.entries.length === 0) last.to = this.#readSeq;
        else this.#pending.push({ from: this.#assigned + 1, to: this.#readSeq, entries: [], replay: false, done: true });
        this.#assigned = this.#readSeq;
        this.#advance({});
      }
      return undefined;
    }
    let size = batchSize(this.#queue, maxEvents, this.short, this.#readSeq);
    const first = this.#queue[0]!.seq;
    const stored = this.short.some(([from]) => from === first);
    if (size === 0) {
      // A stored boundary that can no longer be met (the filter changed): cut anew.
      this.short = this.short.filter(([from]) => from !== first);
      size = Math.min(this.#queue.length, maxEvents);
    }
    if (!stored && size < maxEvents && maxWaitMs > 0) {
      this.#firstSeenAt ??= Date.now();
      const waited = Date.now() - this.#firstSeenAt;
      if (waited < maxWaitMs) return maxWaitMs - waited;
    }
    const entries = this.#queue.splice(0, size);
    const batch: Batch = { from: this.#assigned + 1, to: entries.at(-1)!.seq, entries, replay: false };
    this.#assigned = batch.to;
    this.#firstSeenAt = this.#queue.length > 0 ? Date.now() : undefined;
    this.#pending.push(batch);
    if (!stored && maxEvents > 1 && entries.length < maxEvents) {
      this.short = [...this.short, [entries[0]!.seq, batch.to]];
      await this.#persist({ short: this.short });
    }
    return batch;
  }

  /** The next piece of the first replay range, or undefined when nothing in it is left to send. */
  async #replayBatch(): Promise<Batch | undefined> {
    const context = this.#readerContext();
    while (this.replay.length > 0) {
      const [from, to] = this.replay[0]!;
      const piece = await readReplayPiece(context, from, to, this.subscription.batch.maxEvents);
      if (piece.entries.length > 0) return { from, to: piece.covered, entries: piece.entries, replay: true };
      // Nothing this endpoint takes there, or the journal no longer has it: that part is done.
      if (piece.trimmedTo >= from) this.#deps.logger.warn(`webhook ${this.id}: entries ${from}-${piece.trimmedTo} to replay are no longer in the journal`);
      this.replay = removeRange(this.replay, from, piece.covered);
      if (piece.trimmedTo >= from) this.dead = removeRange(this.dead, from, piece.trimmedTo);
      await this.#persist({ replay: this.replay, dead: this.dead });
    }
    return undefined;
  }

  #readerContext(): ReaderContext {
    return {
      journal: this.#deps.source.journal,
      bus: this.#deps.bus,
      predicate: this.#predicate!,
      readBatch: this.#deps.settings.readBatch,
      ...(this.#deps.source.committedSince ? { recent: (afterSeq: number, limit: number) => this.#deps.source.committedSince!(afterSeq, limit) } : {}),
      onLost: (count) => {
        this.lostRecords += count;
        this.#deps.hooks.lost(this, count);
        this.#deps.logger.warn(`webhook ${this.id}: ${count} journal entries were trimmed before this endpoint read them`);
      },
    };
  }

  async #deliver(batch: Batch, signal: AbortSignal): Promise<Outcome> {
    const { settings } = this.#deps;
    const id = webhookId(this.id, firstSeq(batch));
    const body = batch.body ?? batchBody(batch, this.subscription.batch.maxEvents > 1);
    let retryAfter: number | undefined;
    let last: AttemptResult | undefined;
    for (let attempt = 0; ; attempt++) {
      let delay = scheduledDelay(settings.schedule, attempt, this.#deps.random);
      if (delay === undefined) return this.#deadLetter(batch, id, attempt, "exhausted", last);
      if (retryAfter !== undefined) delay = Math.max(delay, Math.min(retryAfter, settings.maxRetryAfterMs));
      if (delay > 0 && !(await sleep(delay, signal))) return "stopped";
      if (signal.aborted) return "stopped";
      const result = await attemptDelivery(this.#deps.attempt, this.#url, this.#signer, id, body, this.subscription.timeoutMs, signal, this.#connections);
      // Aborted mid-attempt (shutdown, disabled, changed): no verdict on the receiver.
      if (signal.aborted) return "stopped";
      last = result;
      const record: AttemptRecord = { at: Date.now() - result.latencyMs, webhookId: id, fromSeq: firstSeq(batch), toSeq: batch.entries.at(-1)!.seq, events: batch.entries.length, attempt: attempt + 1, outcome: result.outcome, latencyMs: result.latencyMs };
      if (result.status !== undefined) record.status = result.status;
      if (result.error !== undefined) record.error = result.error;
      if (batch.replay) record.replay = true;
      this.log.add(record);
      this.#deps.hooks.attempted(this, record);
      if (result.verdict === "delivered") {
        if (this.failingSince !== undefined) {
          this.failingSince = undefined;
          await this.#persist({ failingSince: null });
        }
        this.#deps.hooks.delivered(this, batch.entries.length);
        return "delivered";
      }
      if (this.failingSince === undefined) {
        this.failingSince = Date.now();
        await this.#persist({ failingSince: this.failingSince });
      }
      if (result.verdict === "gone") return this.#disable(`the receiver answered ${result.status} Gone`);
      if (result.verdict === "rejected") return this.#deadLetter(batch, id, attempt + 1, "rejected", result);
      if (Date.now() - this.failingSince >= settings.disableAfterMs) {
        return this.#disable(`failing without a success since ${new Date(this.failingSince).toISOString()} (disableAfterMs ${settings.disableAfterMs})`);
      }
      retryAfter = result.retryAfterMs;
    }
  }

  #disable(reason: string): "stopped" {
    if (this.state === "disabled") return "stopped";
    this.state = "disabled";
    this.reason = reason;
    this.#controller.abort();
    this.#connections.close();
    this.#deps.logger.warn(`webhook ${this.id} disabled: ${reason}`);
    this.#deps.hooks.disabled(this, reason);
    return "stopped";
  }

  #deadLetter(batch: Batch, id: string, attempts: number, reason: DeadLetter["reason"], last: AttemptResult | undefined): "dead" {
    const letter: DeadLetter = { webhookId: id, fromSeq: firstSeq(batch), toSeq: batch.entries.at(-1)!.seq, events: batch.entries.length, attempts, reason };
    if (last?.error !== undefined) letter.error = last.error;
    this.#deps.logger.warn(`webhook ${this.id}: delivery ${id} (${letter.events} entries) dead-lettered after ${attempts} attempts: ${reason}`);
    this.#deps.hooks.deadLettered(this, letter);
    return "dead";
  }

  #complete(batch: Batch, outcome: Outcome): Promise<void> | undefined {
    if (outcome === "stopped") return;
    const first = firstSeq(batch);
    if (outcome === "dead") this.dead = capRanges(addRange(this.dead, first, batch.to), this.#deps.settings.maxDeadLetterRanges);
    if (batch.replay) {
      this.replay = removeRange(this.replay, batch.from, batch.to);
      if (outcome === "delivered") this.dead = removeRange(this.dead, batch.from, batch.to);
      return this.#persist({ replay: this.replay, dead: this.dead });
    }
    batch.done = true;
    // Done batches may wait behind a failing one (unordered): keep their range, not their entries.
    batch.entries = [];
    batch.body = undefined;
    return this.#advance(outcome === "dead" ? { dead: this.dead } : {});
  }

  /** Moves the cursor past the batches at the front that are done, and stores it with `changes`. */
  #advance(changes: Changes): Promise<void> {
    const before = this.cursor;
    while (this.#pending[0]?.done) this.cursor = this.#pending.shift()!.to;
    if (this.cursor !== before) {
      const kept = this.short.filter(([, to]) => to > this.cursor);
      if (kept.length !== this.short.length) {
        this.short = kept;
        changes = { ...changes, short: kept };
      }
      changes = { ...changes, cursor: this.cursor };
    }
    return this.#persist(changes);
  }

  /**
   * Queues a write; writes run one at a time, and changes queued meanwhile go in one transaction.
   * A change of the cursor alone waits up to {@link CURSOR_WRITE_MS}, so a run of deliveries
   * shares one write: after a crash that much more is sent again (same webhook-ids), never less.
   */
  #persist(changes: Changes): Promise<void> {
    if (Object.keys(changes).length === 0) return this.#writes;
    this.#changes = { ...this.#changes, ...changes };
    if (Object.keys(this.#changes).every((name) => name === "cursor") && !this.#controller.signal.aborted) {
      if (this.#cursorTimer === undefined && !this.#writeQueued) {
        this.#cursorTimer = setTimeout(() => {
          this.#cursorTimer = undefined;
          void this.#write();
        }, CURSOR_WRITE_MS);
        (this.#cursorTimer as { unref?: () => void }).unref?.();
      }
      return this.#writes;
    }
    return this.#write();
  }

  /** Writes what is queued now (after the write in progress). */
  #write(): Promise<void> {
    if (this.#cursorTimer !== undefined) clearTimeout(this.#cursorTimer);
    this.#cursorTimer = undefined;
    if (Object.keys(this.#changes).length === 0) return this.#writes;
    if (!this.#writeQueued) {
      this.#writeQueued = true;
      this.#writes = this.#writes.then(async () => {
        this.#writeQueued = false;
        const next = this.#changes;
        this.#changes = {};
        try {
          await this.#deps.store.update(this.id, next);
        } catch (error) {
          this.#deps.logger.error(`webhook ${this.id}: storing its state failed`, { error: error instanceof Error ? error : new Error(String(error)) });
        }
      });
    }
    return this.#writes;
  }
}
