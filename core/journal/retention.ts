/**
 * The journal's bounded history, and what happens when consumers hold it past its bounds.
 * Consumers (webhook endpoints, replays) declare how far they got as durable values under
 * `cursor/<name>`; what lies above the lowest cursor is undelivered. A trim first removes only what
 * every consumer is done with; if the journal is still over a bound, the policy decides: drop the
 * oldest undelivered records (counted), or stop accepting new ones. Never silent, never unbounded.
 */
import type { Journal, JournalBounds, JournalStats } from "../ports.ts";

/** What to do when the bounds are reached and consumers still need the oldest records. */
export type WhenFull = "drop-oldest" | "stop-accepting";

/** The bounds of the journal's history; an absent bound does not limit. */
export interface RetentionPolicy {
  maxRecords?: number;
  maxBytes?: number;
  maxAgeMs?: number;
  whenFull: WhenFull;
}

/** Where consumers keep their cursors: `cursor/<consumer name>`. */
export const CURSOR_PREFIX = "cursor/";

/** The value key of a consumer's cursor. */
export function cursorKey(consumer: string): string {
  return `${CURSOR_PREFIX}${consumer}`;
}

/**
 * The value that declares a cursor: the highest sequence number the consumer no longer needs
 * (everything at or below it is delivered), as JSON. `{"seq": n, …}` is read the same way, so a
 * consumer may keep more beside it.
 */
export function cursorValue(seq: number): string {
  return JSON.stringify(seq);
}

/** The sequence number a cursor value declares, or undefined when it declares none. */
export function parseCursor(value: string): number | undefined {
  try {
    const parsed: unknown = JSON.parse(value);
    const seq = typeof parsed === "number" ? parsed : typeof parsed === "object" && parsed !== null ? (parsed as { seq?: unknown }).seq : undefined;
    return typeof seq === "number" && Number.isFinite(seq) ? seq : undefined;
  } catch {
    return undefined;
  }
}

/** The lowest cursor of every consumer, or undefined when there is none. */
export async function lowestCursor(journal: Journal): Promise<number | undefined> {
  let lowest: number | undefined;
  for (const [, value] of await journal.listValues(CURSOR_PREFIX)) {
    const seq = parseCursor(value);
    if (seq !== undefined && (lowest === undefined || seq < lowest)) lowest = seq;
  }
  return lowest;
}

/** What one retention run did and found. */
export interface RetentionResult {
  /** Records removed, delivered or not. */
  trimmed: number;
  /** Records removed that some consumer had not had yet (drop-oldest only). */
  droppedUndelivered: number;
  /** Over a bound after removing everything delivered: the policy applied. */
  full: boolean;
  /** The lowest consumer cursor, when there is one. */
  lowestCursor?: number;
  stats: JournalStats;
}

function boundsAt(policy: RetentionPolicy, now: number): JournalBounds {
  const bounds: JournalBounds = {};
  if (policy.maxRecords !== undefined) bounds.maxRecords = policy.maxRecords;
  if (policy.maxBytes !== undefined) bounds.maxBytes = policy.maxBytes;
  if (policy.maxAgeMs !== undefined) bounds.minTime = now - policy.maxAgeMs;
  return bounds;
}

/** Whether a journal of these stats breaks a bound of the policy. */
export function overBounds(stats: JournalStats, policy: RetentionPolicy, now: number): boolean {
  if (policy.maxRecords !== undefined && stats.records > policy.maxRecords) return true;
  if (policy.maxBytes !== undefined && stats.bytes > policy.maxBytes) return true;
  return policy.maxAgeMs !== undefined && stats.oldestTime !== undefined && stats.oldestTime < now - policy.maxAgeMs;
}

/** The policy with every bound scaled by `share`: a stopped journal accepts again only with room to spare. */
export function scaledPolicy(policy: RetentionPolicy, share: number): RetentionPolicy {
  const scaled: RetentionPolicy = { whenFull: policy.whenFull };
  if (policy.maxRecords !== undefined) scaled.maxRecords = Math.floor(policy.maxRecords * share);
  if (policy.maxBytes !== undefined) scaled.maxBytes = Math.floor(policy.maxBytes * share);
  if (policy.maxAgeMs !== undefined) scaled.maxAgeMs = Math.floor(policy.maxAgeMs * share);
  return scaled;
}

/** Whether the policy bounds anything at all. */
export function isBounded(policy: RetentionPolicy): boolean {
  return policy.maxRecords !== undefined || policy.maxBytes !== undefined || policy.maxAgeMs !== undefined;
}

/** Trims `journal` to `policy` at time `now`; see the module comment. */
export async function applyRetention(journal: Journal, policy: RetentionPolicy, now: number): Promise<RetentionResult> {
  const bounds = boundsAt(policy, now);
  const cursor = await lowestCursor(journal);
  let trimmed = await journal.trim(cursor === undefined ? bounds : { ...bounds, keepAfterSeq: cursor });
  let stats = await journal.stats();
  // Records at or below the lowest cursor still held: the bounds were met without touching what is owed.
  const deliveredLeft = cursor !== undefined && stats.records > 0 && stats.firstSeq <= cursor;
  if (cursor === undefined || deliveredLeft || !overBounds(stats, policy, now)) {
    return { trimmed, droppedUndelivered: 0, full: false, stats, ...(cursor === undefined ? {} : { lowestCursor: cursor }) };
  }
  if (policy.whenFull === "stop-accepting") return { trimmed, droppedUndelivered: 0, full: true, stats, lowestCursor: cursor };
  const dropped = await journal.trim(bounds);
  trimmed += dropped;
  stats = await journal.stats();
  return { trimmed, droppedUndelivered: dropped, full: true, stats, lowestCursor: cursor };
}
