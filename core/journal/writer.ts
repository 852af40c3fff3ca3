/**
 * Group commit of bus entries into the journal. `add` is synchronous and never waits (it runs in
 * the bus's publish, on the socket's read path); entries gather into a batch that is appended in
 * one transaction once `commitMs` passed since the first of them or `commitEvents` are pending,
 * whichever comes first. An entry is accepted once committed: then `committedSeq` moves, the
 * commit listeners run (webhook endpoints wake up) and the bus may release it to subscribers.
 *
 * One append is in flight at a time; what arrives meanwhile waits, so a slow store makes batches
 * grow (up to `maxBatch`) instead of queueing promises. Past `maxPending` waiting entries, new ones
 * are not accepted (counted, and said with a `journal.full` notice). A failing append (disk full)
 * is retried with backoff and reported; the entries it holds go live meanwhile, so streams do not
 * stall behind a broken disk. Retention (retention.ts) runs after commits that cross a bound and
 * every `trimEveryMs`.
 */
import type { BusEntry } from "../bridge/entry.ts";
import type { Journal, JournalRecord } from "../ports.ts";
import { LagWindow } from "./lag.ts";
import { RecentEntries } from "./recent.ts";
import { journalRecord } from "./records.ts";
import { applyRetention, isBounded, overBounds, type RetentionPolicy, type RetentionResult, scaledPolicy } from "./retention.ts";

/**
 * The value that remembers the highest sequence number that went live without being committed
 * (refused, or while the store failed), so a restart does not hand those numbers out again.
 */
export const SEQ_MARK_KEY = "journal/liveSeq";

/** Notice types the writer raises; the bridge defines them on the bus. */
export const JOURNAL_NOTICES = ["journal.full", "journal.recovered"] as const;

/** Why the journal is not taking everything: bounds held by consumers, a failing store, or a backlog. */
export type FullReason = "limits" | "append-failed" | "backlog";

/** Options for {@link JournalWriter}. */
export interface JournalWriterOptions {
  /** Longest wait before a commit, ms. Default 5. */
  commitMs?: number;
  /** Pending entries that start a commit at once. Default 1000. */
  commitEvents?: number;
  /** Most entries in one append. Default 10 × commitEvents. */
  maxBatch?: number;
  /** Most entries waiting for the store; past it entries are not accepted. Default 100 × commitEvents. */
  maxPending?: number;
  /** Bounded history and the policy when consumers hold it full. Default: unbounded, drop-oldest. */
  retention?: RetentionPolicy;
  /** How often retention runs, ms. Default 1000. */
  trimEveryMs?: number;
  /** Delay before retrying a failed append: doubles from the first value up to the second. Default [100, 5000]. */
  retryMs?: readonly [number, number];
  /** The sequence number committed before (the journal's lastSeq at open). */
  committedSeq?: number;
  /** Records and bytes the journal held at open, so bounds and metrics start from them. */
  held?: { records: number; bytes: number };
  /** Lets entries up to `seq` go to subscribers (`EventBus.release`). */
  onRelease?: (seq: number) => void;
  /** Raises a journal notice (`journal.full`, `journal.recovered`) on the bus. */
  onNotice?: (type: (typeof JOURNAL_NOTICES)[number], fields: Record<string, unknown>) => void;
  /** Committed entries kept in memory for consumers that keep up (recent.ts). Default 4096. */
  recentEntries?: number;
  /** Reports an error the writer handled (a failed append or trim), for the log. */
  onError?: (message: string, error: unknown) => void;
  /** While drop-oldest keeps dropping, how often journal.full says so again, ms. Default 60 000. */
  noticeEveryMs?: number;
  /** Wall clock for the age bound (ms since the epoch). */
  now?: () => number;
}

/** Counters and gauges of the writer, for metrics and health. */
export interface JournalWriterStats {
  committedSeq: number;
  /** Entries waiting to be committed (including the batch in flight). */
  pending: number;
  /** Entries committed by this writer. */
  committed: number;
  commits: number;
  /** Entries not accepted (journal full with stop-accepting, or a backlog past maxPending). */
  refused: number;
  /** Undelivered records removed by the drop-oldest policy. */
  droppedUndelivered: number;
  /** Records removed by retention, delivered or not. */
  trimmed: number;
  /** Appends that failed (each retried). */
  failures: number;
  /** Records and bytes held, as of the last commit or trim. */
  records: number;
  bytes: number;
  /** Commit lag over the latest commits, ms. */
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  /** Why entries are not accepted right now, if they are not. */
  full: FullReason | undefined;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** See the module comment. */
export class JournalWriter {
  readonly store: Journal;
  readonly commitMs: number;
  readonly commitEvents: number;
  readonly maxBatch: number;
  readonly maxPending: number;
  readonly retention: RetentionPolicy;
  #committedSeq: number;
  readonly #options: JournalWriterOptions;
  readonly #now: () => number;
  readonly #lag = new LagWindow();
  readonly #listeners = new Set<(committedSeq: number) => void>();
  #pending: JournalRecord[] = [];
  #pendingAt: number[] = [];
  /** The bus entries of `#pending`, index for index. */
  #pendingEntries: BusEntry[] = [];
  readonly #recent: RecentEntries;
  #inflight = 0;
  /** Oldest sequence number not yet committed or given up on, of the batch in flight. */
  #inflightFirst: number | undefined;
  #lastAdded = 0;
  #released = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #trimTimer: ReturnType<typeof setInterval> | undefined;
  #draining: Promise<void> | undefined;
  /** Serialises the writer's own store calls (append, trim), which the port does not run concurrently. */
  #chain: Promise<unknown> = Promise.resolve();
  #failing = false;
  #closed = false;
  /** Set by close: a failing append is tried once more, then given up (and said), instead of forever. */
  #closing = false;
  /** Cuts a retry's wait short (close). */
  #wakeRetry: (() => void) | undefined;
  #stopped = false;
  #backlog = false;
  /** Set while the writer's own notice is being published (it comes back through `add`). */
  #raising = false;
  /** drop-oldest is removing undelivered records: said once, then every noticeEveryMs. */
  #dropping = false;
  /** Highest sequence number that went live uncommitted, and the one last stored as {@link SEQ_MARK_KEY}. */
  #liveSeq = 0;
  #markedSeq = 0;
  #droppingNoticeAt = 0;
  #droppedSinceNotice = 0;
  #counts = { committed: 0, commits: 0, refused: 0, droppedUndelivered: 0, trimmed: 0, failures: 0, records: 0, bytes: 0 };

  constructor(store: Journal, options: JournalWriterOptions = {}) {
    this.store = store;
    this.#options = options;
    this.commitMs = options.commitMs ?? 5;
    this.commitEvents = Math.max(1, options.commitEvents ?? 1000);
    this.maxBatch = Math.max(this.commitEvents, options.maxBatch ?? this.commitEvents * 10);
    this.maxPending = Math.max(this.maxBatch, options.maxPending ?? this.commitEvents * 100);
    this.retention = options.retention ?? { whenFull: "drop-oldest" };
    this.#committedSeq = this.#lastAdded = this.#released = options.committedSeq ?? 0;
    this.#now = options.now ?? Date.now;
    this.#recent = new RecentEntries(options.recentEntries ?? 4096, this.#committedSeq);
    if (options.held) {
      this.#counts.records = options.held.records;
      this.#counts.bytes = options.held.bytes;
    }
    this.#trimTimer = setInterval(() => void this.#periodic(), options.trimEveryMs ?? 1000);
    // Retention must not keep a process alive that has nothing else to do (Node, Bun and Deno timers).
    (this.#trimTimer as { unref?: () => void }).unref?.();
  }

  /** Highest sequence number committed: everything accepted up to it is durable. */
  get committedSeq(): number {
    return this.#committedSeq;
  }

  /**
   * Up to `limit` committed entries above `afterSeq` from memory, the very objects the bus
   * published; undefined when they are no longer all in memory (read the store instead).
   */
  committedSince(afterSeq: number, limit: number): BusEntry[] | undefined {
    return this.#recent.since(afterSeq, limit);
  }

  /** Calls `listener(committedSeq)` after every commit; returns the function that stops it. */
  onCommit(listener: (committedSeq: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Takes an entry for the next commit; false when it is not accepted (counted, and said in a notice). */
  add(entry: BusEntry): boolean {
    this.#lastAdded = entry.seq;
    // The writer's own notices are journaled even when it refuses the rest: a consumer reading the
    // journal (a webhook) learns from them why sequence numbers are missing. They are rare by design.
    const own = this.#raising && entry.type !== "event";
    if (this.#closed || (!own && (this.#stopped || this.#pending.length + this.#inflight >= this.maxPending))) {
      if (!this.#closed && !this.#stopped && !this.#backlog) {
        this.#backlog = true;
        this.#notice("journal.full", { reason: "backlog", pending: this.#pending.length + this.#inflight, maxPending: this.maxPending });
      }
      this.#counts.refused++;
      this.#release();
      this.#liveSeq = entry.seq;
      return false;
    }
    this.#pending.push(journalRecord(entry));
    this.#pendingAt.push(performance.now());
    this.#pendingEntries.push(entry);
    if (this.#failing) {
      this.#release();
      this.#liveSeq = entry.seq;
    }
    this.#schedule();
    return true;
  }

  /** Commits everything pending now; resolves when it is committed (or the store failed once more). */
  async flush(): Promise<void> {
    while (this.#draining || this.#pending.length > 0) {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
      await (this.#draining ??= this.#drain(true));
      if (this.#closing) break;
    }
  }

  /** Runs retention now (also runs by itself); resolves with what it did, or undefined when unbounded. */
  retain(): Promise<RetentionResult | undefined> {
    if (!isBounded(this.retention) || this.#closed) return Promise.resolve(undefined);
    return this.#serial(() => this.#retain());
  }

  async #periodic(): Promise<void> {
    if (this.#closed || this.#closing) return;
    await this.retain().catch(() => {});
    await this.#writeMark();
  }

  /** Stores {@link SEQ_MARK_KEY} when entries went live uncommitted since it was last stored. */
  async #writeMark(): Promise<void> {
    if (this.#markedSeq >= this.#liveSeq) return;
    const seq = this.#liveSeq;
    try {
      await this.#serial(() => this.store.setValues([[SEQ_MARK_KEY, String(seq)]]));
      this.#markedSeq = seq;
    } catch {
      // The store is failing: the append retries report it; the mark is tried again next period.
    }
  }

  /** Commits what is pending, stops the timers and closes the store. */
  async close(): Promise<void> {
    if (this.#closed || this.#closing) return;
    this.#closing = true;
    this.#wakeRetry?.();
    await this.flush().catch(() => {});
    this.#closed = true;
    if (this.#trimTimer !== undefined) clearInterval(this.#trimTimer);
    this.#release(true);
    await this.#writeMark();
    await this.#chain.catch(() => {});
    await this.store.close();
  }

  stats(): JournalWriterStats {
    return {
      committedSeq: this.#committedSeq,
      pending: this.#pending.length + this.#inflight,
      ...this.#counts,
      lagP50Ms: this.#lag.percentile(50),
      lagP99Ms: this.#lag.percentile(99),
      lagMaxMs: this.#lag.max,
      full: this.#failing ? "append-failed" : this.#stopped || this.#dropping ? "limits" : this.#backlog ? "backlog" : undefined,
    };
  }

  #schedule(): void {
    if (this.#draining) return;
    if (this.#pending.length >= this.commitEvents) {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#draining = this.#drain(false);
    } else if (this.#timer === undefined && this.#pending.length > 0) {
      const waited = performance.now() - this.#pendingAt[0]!;
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#draining ??= this.#drain(false);
      }, Math.max(0, this.commitMs - waited));
    }
  }

  /** Appends batches while one is due; with `all`, until nothing is pending. */
  async #drain(all: boolean): Promise<void> {
    // Yield once: entries published in the same turn join this batch.
    await Promise.resolve();
    try {
      for (;;) {
        const due = this.#pending.length >= this.commitEvents || (this.#pending.length > 0 && performance.now() - this.#pendingAt[0]! >= this.commitMs);
        if (this.#pending.length === 0 || !(all || due)) break;
        await this.#commitBatch();
        if (this.#closed) break;
      }
    } finally {
      this.#draining = undefined;
      if (this.#pending.length > 0 && !this.#closed) this.#schedule();
    }
  }

  async #commitBatch(): Promise<void> {
    const take = Math.min(this.#pending.length, this.maxBatch);
    const batch = take === this.#pending.length ? this.#pending : this.#pending.slice(0, take);
    const addedAt = take === this.#pendingAt.length ? this.#pendingAt : this.#pendingAt.slice(0, take);
    const entries = take === this.#pendingEntries.length ? this.#pendingEntries : this.#pendingEntries.slice(0, take);
    if (take === this.#pending.length) {
      this.#pending = [];
      this.#pendingAt = [];
      this.#pendingEntries = [];
    } else {
      this.#pending = this.#pending.slice(take);
      this.#pendingAt = this.#pendingAt.slice(take);
      this.#pendingEntries = this.#pendingEntries.slice(take);
    }
    this.#inflight = batch.length;
    this.#inflightFirst = batch[0]!.seq;
    let delay = this.#options.retryMs?.[0] ?? 100;
    for (;;) {
      try {
        await this.#serial(() => this.store.append(batch));
        break;
      } catch (error) {
        this.#counts.failures++;
        this.#options.onError?.(`journal append of ${batch.length} entries failed; retrying in ${delay} ms`, error);
        if (!this.#failing) {
          this.#failing = true;
          this.#notice("journal.full", { reason: "append-failed", error: describe(error), pending: this.#pending.length + batch.length });
          this.#release();
          this.#liveSeq = Math.max(this.#liveSeq, this.#lastAdded);
        }
        if (this.#closing) {
          this.#counts.refused += batch.length;
          this.#options.onError?.(`the journal is closing and its store still fails: ${batch.length} entries (${batch[0]!.seq}..${batch[batch.length - 1]!.seq}) were not committed`, error);
          this.#inflight = 0;
          this.#inflightFirst = undefined;
          return;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.#wakeRetry = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wakeRetry = undefined;
        delay = Math.min(delay * 2, this.#options.retryMs?.[1] ?? 5000);
      }
    }
    const committedAt = performance.now();
    for (const at of addedAt) this.#lag.add(committedAt - at);
    this.#inflight = 0;
    this.#inflightFirst = undefined;
    this.#committedSeq = batch[batch.length - 1]!.seq;
    this.#recent.add(entries);
    this.#counts.committed += batch.length;
    this.#counts.commits++;
    this.#counts.records += batch.length;
    for (const record of batch) this.#counts.bytes += record.data.byteLength;
    if (this.#failing) {
      this.#failing = false;
      this.#notice("journal.recovered", { reason: "append-failed", failures: this.#counts.failures });
    }
    if (this.#backlog && this.#pending.length < this.maxPending / 2) {
      this.#backlog = false;
      this.#notice("journal.recovered", { reason: "backlog", refused: this.#counts.refused });
    }
    this.#release();
    for (const listener of this.#listeners) {
      try {
        listener(this.#committedSeq);
      } catch (error) {
        this.#options.onError?.("a journal commit listener threw", error);
      }
    }
    const local = { records: this.#counts.records, bytes: this.#counts.bytes, firstSeq: 0, lastSeq: this.#committedSeq };
    if (isBounded(this.retention) && overBounds(local, { ...this.retention, maxAgeMs: undefined }, this.#now())) await this.retain().catch(() => {});
  }

  async #retain(): Promise<RetentionResult | undefined> {
    // A stopped journal accepts again only once there is room for a tenth more: no flapping at the bound.
    const policy = this.#stopped ? scaledPolicy(this.retention, 0.9) : this.retention;
    let result: RetentionResult;
    try {
      result = await applyRetention(this.store, policy, this.#now());
    } catch (error) {
      this.#options.onError?.("journal retention failed; it runs again shortly", error);
      return undefined;
    }
    this.#recent.dropBelow(result.stats.firstSeq);
    this.#counts.trimmed += result.trimmed;
    this.#counts.droppedUndelivered += result.droppedUndelivered;
    this.#counts.records = result.stats.records;
    this.#counts.bytes = result.stats.bytes;
    const bounds = { maxRecords: this.retention.maxRecords, maxBytes: this.retention.maxBytes, maxAgeMs: this.retention.maxAgeMs, records: result.stats.records, bytes: result.stats.bytes };
    if (result.droppedUndelivered > 0) {
      // Said when dropping starts and then at most every noticeEveryMs: the notice is itself journaled,
      // and a notice per drop would feed itself.
      const at = performance.now();
      this.#droppedSinceNotice += result.droppedUndelivered;
      if (!this.#dropping || at - this.#droppingNoticeAt >= (this.#options.noticeEveryMs ?? 60_000)) {
        this.#dropping = true;
        this.#droppingNoticeAt = at;
        this.#notice("journal.full", { reason: "limits", policy: "drop-oldest", dropped: this.#droppedSinceNotice, droppedUndelivered: this.#counts.droppedUndelivered, ...bounds });
        this.#droppedSinceNotice = 0;
      }
    } else if (this.#dropping && !result.full && (result.lowestCursor === undefined || result.lowestCursor + 1 >= result.stats.firstSeq)) {
      // Recovered once the slowest consumer's next record is held again, not merely once back at the bound.
      this.#dropping = false;
      this.#notice("journal.recovered", { reason: "limits", policy: "drop-oldest", droppedUndelivered: this.#counts.droppedUndelivered, ...bounds });
    } else if (result.full && !this.#stopped) {
      this.#stopped = true;
      this.#notice("journal.full", { reason: "limits", policy: "stop-accepting", ...bounds });
    } else if (!result.full && this.#stopped) {
      this.#stopped = false;
      this.#notice("journal.recovered", { reason: "limits", refused: this.#counts.refused, ...bounds });
    }
    return result;
  }

  /** Lets subscribers have everything before the oldest entry still waiting (all of it while the store fails, or at close). */
  #release(all = false): void {
    const oldest = this.#inflightFirst ?? this.#pending[0]?.seq;
    const upTo = all || this.#failing || oldest === undefined ? this.#lastAdded : oldest - 1;
    if (upTo > this.#released) {
      this.#released = upTo;
      this.#options.onRelease?.(upTo);
    }
  }

  #notice(type: (typeof JOURNAL_NOTICES)[number], fields: Record<string, unknown>): void {
    // After the current step: the notice is itself a bus entry that comes back through `add`.
    queueMicrotask(() => {
      this.#raising = true;
      try {
        this.#options.onNotice?.(type, fields);
      } catch (error) {
        this.#options.onError?.(`publishing ${type} failed`, error);
      } finally {
        this.#raising = false;
      }
    });
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(work, work);
    this.#chain = run.catch(() => {});
    return run;
  }
}
