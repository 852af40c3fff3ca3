/**
 * Where the webhook plugin gets committed records: the journal (records and durable values) and
 * the writer's commit hook. An endpoint reads records only up to `committedSeq()`, so what it
 * sends has been accepted (is durable), and wakes on `onCommit` instead of polling. One that keeps
 * up takes the latest committed entries from memory (`committedSince`) rather than the store.
 */
import type { BusEntry } from "../../core/bridge/entry.ts";
import type { PluginContext } from "../../core/bridge/plugin.ts";
import type { Journal } from "../../core/ports.ts";

/** The journal as the webhook plugin uses it; see the module comment. */
export interface CommittedJournal {
  /** Records (`read`, `stats`) and durable values (cursors, subscriptions, dead letters). */
  readonly journal: Journal;
  /** Highest sequence number whose record is committed; records up to it can be read. */
  committedSeq(): number;
  /** Calls `listener` after every commit (with the new committed sequence); returns the function that stops it. */
  onCommit(listener: (committedSeq: number) => void): () => void;
  /**
   * Committed entries above `afterSeq` from memory (the bus's own objects, their JSON shared), or
   * undefined when they are not all there any more: then the journal is read. Optional.
   */
  committedSince?(afterSeq: number, limit: number): readonly BusEntry[] | undefined;
}

/** Finds the journal for a bridge, or undefined when none is configured (webhooks are then off). */
export type CommittedJournalProvider = (ctx: PluginContext) => CommittedJournal | undefined | Promise<CommittedJournal | undefined>;

/**
 * The bridge's journal (`journal: {…}` in the config): the store and the group-commit writer's
 * committed sequence and commit hook. Without one the plugin serves its API with 503s.
 */
export const bridgeJournal: CommittedJournalProvider = (ctx) => {
  const writer = ctx.journal;
  if (!writer) return undefined;
  return { journal: writer.store, committedSeq: () => writer.committedSeq, onCommit: (listener) => writer.onCommit(listener), committedSince: (afterSeq, limit) => writer.committedSince(afterSeq, limit) };
};
