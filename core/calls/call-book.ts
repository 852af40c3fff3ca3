/**
 * The calls the bridge placed, kept up to date from the event stream: it routes each event to the
 * calls it is about (by the Uniqueids the bridge assigned, by the ActionID of the Originate, by
 * the bridge a call's channel is in) and runs {@link reduceCall} on them. History is bounded: a
 * finished call is forgotten once more than `maxFinished` are kept or it is older than `maxAgeMs`.
 */
import type { AmiMessage } from "../message.ts";
import { type CallPeer, type CallRecord, type CallStateName, failedFromCause, isFinal, reduceCall } from "./call-reducer.ts";
import type { ChannelRegistry } from "./registry.ts";

/** Options of {@link CallBook}. */
export interface CallBookOptions {
  /** Finished calls kept. Default 1000. */
  maxFinished?: number;
  /** Finished calls are forgotten this long after they ended. Default one hour. */
  maxAgeMs?: number;
  /** An unanswered call whose channels are all gone fails after this long without an OriginateResponse. Default 5 s. */
  orphanGraceMs?: number;
  /** A call still queued this long after its ring timeout (no channel, no OriginateResponse) fails. Default 60 s. */
  queuedGraceMs?: number;
}

/** A call that changed, with the state it had before. */
export interface CallChange {
  call: CallRecord;
  previous: CallStateName;
}

/** Calls by id, their indexes, and the reducer wiring; see the module comment. */
export class CallBook {
  readonly #registry: ChannelRegistry;
  readonly #calls = new Map<string, CallRecord>();
  /** `server\0uniqueid` → call ids: own channels (for the call's whole life) and current bridge peers. */
  readonly #byChannel = new Map<string, Set<string>>();
  readonly #byActionId = new Map<string, string>();
  /** Order in which calls were added, so a reconnect reconciles only the calls placed before it. */
  readonly #added = new Map<string, number>();
  #addedCount = 0;
  readonly #maxFinished: number;
  readonly #maxAgeMs: number;
  readonly #orphanGraceMs: number;
  readonly #queuedGraceMs: number;

  constructor(registry: ChannelRegistry, options: CallBookOptions = {}) {
    this.#registry = registry;
    this.#maxFinished = options.maxFinished ?? 1000;
    this.#maxAgeMs = options.maxAgeMs ?? 3_600_000;
    this.#orphanGraceMs = options.orphanGraceMs ?? 5000;
    this.#queuedGraceMs = options.queuedGraceMs ?? 60_000;
  }

  /** Calls not yet final. */
  get liveCount(): number {
    let count = 0;
    for (const call of this.#calls.values()) if (!isFinal(call.state)) count++;
    return count;
  }

  get size(): number {
    return this.#calls.size;
  }

  /** Starts tracking a call (before its Originate is sent, so no event can come first). */
  add(call: CallRecord): void {
    this.#calls.set(call.id, call);
    this.#added.set(call.id, ++this.#addedCount);
    this.#index(call.server, call.channelId, call.id);
    this.#index(call.server, call.otherChannelId, call.id);
    this.#byActionId.set(call.actionId, call.id);
  }

  /** Replaces a call's record (the plugin's own changes, e.g. queued after the response). */
  replace(call: CallRecord): void {
    if (this.#calls.has(call.id)) this.#calls.set(call.id, call);
  }

  /** Forgets a call (its Originate was refused, so it never existed). */
  remove(id: string): void {
    const call = this.#calls.get(id);
    if (!call) return;
    this.#calls.delete(id);
    this.#added.delete(id);
    this.#unindex(call.server, call.channelId, id);
    this.#unindex(call.server, call.otherChannelId, id);
    if (call.peer) this.#unindex(call.server, call.peer.uniqueid, id);
    this.#byActionId.delete(call.actionId);
  }

  get(id: string): CallRecord | undefined {
    return this.#calls.get(id);
  }

  /** Every call, newest first. */
  list(): CallRecord[] {
    return [...this.#calls.values()].reverse();
  }

  /** Calls of a server that are not final. */
  live(server: string): CallRecord[] {
    return [...this.#calls.values()].filter((call) => call.server === server && !isFinal(call.state));
  }

  /** Applies one event of `server` to the registry, then to every call it is about. */
  onEvent(server: string, event: AmiMessage, at = event.receivedAt || Date.now()): CallChange[] {
    const applied = this.#registry.apply(server, event, at);
    const ids = new Set<string>();
    if (event.name.toLowerCase() === "originateresponse") {
      const id = this.#byActionId.get(event.get("ActionID") ?? "");
      // Another bridge on the same Asterisk gets the same broadcast: only our own ActionIDs count.
      if (id !== undefined && this.#calls.get(id)?.server === server) ids.add(id);
    }
    for (const uniqueid of applied.uniqueids) for (const id of this.#byChannel.get(`${server}\0${uniqueid}`) ?? []) ids.add(id);
    if (applied.bridgeId !== undefined) {
      for (const member of this.#registry.bridgeMembers(server, applied.bridgeId)) for (const id of this.#byChannel.get(`${server}\0${member}`) ?? []) ids.add(id);
    }
    const changes: CallChange[] = [];
    for (const id of ids) {
      const call = this.#calls.get(id)!;
      const peers = this.#peersOf(call);
      this.#update(call, reduceCall(call, { kind: "event", event, at, peers }), changes);
    }
    return changes;
  }

  /** The bridge is about to hang the call up through its API: a hangup that follows is the API's. */
  requestHangup(id: string, at = Date.now()): void {
    const call = this.#calls.get(id);
    if (call) this.#update(call, reduceCall(call, { kind: "hangup-requested", at }), []);
  }

  /** Asterisk refused the Originate (`Response: Error`): the call failed before it began. */
  refuse(id: string, message: string, at = Date.now()): CallChange[] {
    const call = this.#calls.get(id);
    const changes: CallChange[] = [];
    if (call) this.#update(call, reduceCall(call, { kind: "refused", at, message }), changes);
    return changes;
  }

  /** A mark for {@link reconcile}: calls added after it are left alone. Take it when the CoreShowChannels is sent. */
  mark(): number {
    return this.#addedCount;
  }

  /**
   * After a reconnect's CoreShowChannels: each live call of the server placed before `mark` keeps
   * going or is lost (calls placed since belong to the new session, whose events the list may predate).
   */
  reconcile(server: string, at = Date.now(), mark = this.#addedCount): CallChange[] {
    const alive = this.#registry.list(server).map((channel) => ({ uniqueid: channel.uniqueid, name: channel.name, state: channel.state, bridged: channel.bridgeId !== undefined }));
    const changes: CallChange[] = [];
    for (const call of this.live(server)) {
      if ((this.#added.get(call.id) ?? 0) > mark) continue;
      this.#update(call, reduceCall(call, { kind: "reconciled", at, alive }), changes);
    }
    return changes;
  }

  /**
   * Fails unanswered calls whose channels all hung up more than the grace period ago without an
   * OriginateResponse, and forgets finished calls past the history bounds.
   */
  sweep(now = Date.now()): CallChange[] {
    const changes: CallChange[] = [];
    for (const call of this.#calls.values()) {
      if (isFinal(call.state)) continue;
      if (call.channelsGoneAt !== undefined && now - call.channelsGoneAt >= this.#orphanGraceMs) this.#update(call, failedFromCause(call, now), changes);
      else if (call.state === "queued" && now - call.createdAt >= call.request.timeoutMs + this.#queuedGraceMs) {
        this.#update(call, reduceCall(call, { kind: "stuck", at: now, detail: `no channel and no OriginateResponse ${call.request.timeoutMs + this.#queuedGraceMs} ms after the Originate` }), changes);
      }
    }
    const finished = [...this.#calls.values()].filter((call) => isFinal(call.state));
    let excess = finished.length - this.#maxFinished;
    for (const call of finished) {
      if (excess > 0 || now - (call.endedAt ?? call.createdAt) > this.#maxAgeMs) {
        this.remove(call.id);
        excess--;
      }
    }
    return changes;
  }

  #peersOf(call: CallRecord): CallPeer[] {
    const own = new Set([call.channelId, call.otherChannelId]);
    const peers: CallPeer[] = [];
    for (const uniqueid of own) {
      for (const channel of this.#registry.bridgePeers(call.server, uniqueid)) {
        if (own.has(channel.uniqueid) || peers.some((p) => p.uniqueid === channel.uniqueid)) continue;
        peers.push({ uniqueid: channel.uniqueid, channel: channel.name, callerIdNum: channel.callerId.num, callerIdName: channel.callerId.name });
      }
    }
    return peers;
  }

  #update(before: CallRecord, after: CallRecord, changes: CallChange[]): void {
    if (after === before) return;
    this.#calls.set(after.id, after);
    if (before.peer?.uniqueid !== after.peer?.uniqueid) {
      if (before.peer) this.#unindex(after.server, before.peer.uniqueid, after.id);
      if (after.peer) this.#index(after.server, after.peer.uniqueid, after.id);
    }
    if (after.state !== before.state || after.peer?.uniqueid !== before.peer?.uniqueid) changes.push({ call: after, previous: before.state });
  }

  #index(server: string, uniqueid: string, id: string): void {
    const key = `${server}\0${uniqueid}`;
    let ids = this.#byChannel.get(key);
    if (!ids) this.#byChannel.set(key, (ids = new Set()));
    ids.add(id);
  }

  #unindex(server: string, uniqueid: string, id: string): void {
    const key = `${server}\0${uniqueid}`;
    const ids = this.#byChannel.get(key);
    if (!ids) return;
    ids.delete(id);
    if (ids.size === 0) this.#byChannel.delete(key);
  }
}
