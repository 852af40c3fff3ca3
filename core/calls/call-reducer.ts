/**
 * The state of one originated call, derived by a pure reducer: an input in (an AMI event about
 * one of its channels, its OriginateResponse, or something the bridge itself did), the call out.
 *
 * queued → dialing → ringing → answered → bridged (with whom) → ended, or failed with the
 * OriginateResponse Reason by name. The call's own channels are known before any event, because
 * the bridge assigns their Uniqueids (ChannelId for the dialled channel, OtherChannelId for the
 * second half of a Local channel). A call ends when every own channel seen has hung up; a call
 * that never answered is decided by its OriginateResponse (Asterisk may send it before or after
 * the hangups), and until then it keeps its last state.
 */
import type { AmiMessage } from "../message.ts";
import { hangupCauseText, originateReasonName, reasonForCause } from "./causes.ts";

/** Where a call is. `ended` and `failed` are final. */
export type CallStateName = "queued" | "dialing" | "ringing" | "answered" | "bridged" | "ended" | "failed";

/** Every state, in order of progress. */
export const CALL_STATES: readonly CallStateName[] = ["queued", "dialing", "ringing", "answered", "bridged", "ended", "failed"];

const RANK: Readonly<Record<CallStateName, number>> = { queued: 0, dialing: 1, ringing: 2, answered: 3, bridged: 4, ended: 5, failed: 5 };

/** Whether a state is final. */
export function isFinal(state: CallStateName): boolean {
  return state === "ended" || state === "failed";
}

/** Whether `state` is `target` or past it (a failed call is past every state it can no longer reach). */
export function hasReached(state: CallStateName, target: CallStateName): boolean {
  if (isFinal(state)) return true;
  return RANK[state] >= RANK[target];
}

/** Another channel the call is bridged with. */
export interface CallPeer {
  uniqueid: string;
  channel: string;
  callerIdNum?: string;
  callerIdName?: string;
}

/** One state change in a call's history. */
export interface CallHistoryEntry {
  state: CallStateName;
  at: number;
  /** What caused it, in words (`Newstate Up`, `OriginateResponse Reason 5 (busy)` …). */
  detail: string;
}

/** The Originate as the call was placed. */
export interface CallRequest {
  channel: string;
  context?: string;
  exten?: string;
  priority?: number;
  application?: string;
  data?: string;
  timeoutMs: number;
  callerId?: string;
  account?: string;
  variables?: Readonly<Record<string, string>>;
  codecs?: string;
  earlyMedia?: boolean;
}

/** Who started the hangup. */
export interface HangupBy {
  /** `api` (DELETE through the bridge), `channel` (the dialled channel), `other` (the Local channel's second half), `peer` (the bridged party). */
  role: "api" | "channel" | "other" | "peer";
  /** The channel whose hangup came first, when it was not the API. */
  channel?: string;
}

/** One call, as `GET /v1/calls/{id}` shows it. */
export interface CallRecord {
  readonly id: string;
  readonly server: string;
  readonly state: CallStateName;
  readonly request: CallRequest;
  /** The ActionID of the Originate: only its OriginateResponse counts. */
  readonly actionId: string;
  /** Uniqueid assigned to the dialled channel (ChannelId) and to a Local channel's other half (OtherChannelId). */
  readonly channelId: string;
  readonly otherChannelId: string;
  /** Names of those channels once seen. */
  readonly channel?: string;
  readonly otherChannel?: string;
  readonly peer?: CallPeer;
  /** Why it failed or ended other than by a hangup cause: an OriginateResponse reason name, or `lost while disconnected`. */
  readonly reason?: string;
  /** The OriginateResponse `Reason` code. */
  readonly reasonCode?: number;
  /** Asterisk's `Message` when it refused the Originate. */
  readonly asteriskMessage?: string;
  readonly cause?: number;
  readonly causeText?: string;
  readonly hangupBy?: HangupBy;
  /** Token that placed it. */
  readonly createdBy: string;
  readonly createdAt: number;
  readonly answeredAt?: number;
  readonly bridgedAt?: number;
  readonly endedAt?: number;
  /** Once final: total time, time until answered, and talk time (answered → end), in ms. */
  readonly durations?: { totalMs: number; waitMs?: number; talkMs?: number };
  readonly history: readonly CallHistoryEntry[];
  /** Own channels seen alive (uniqueid → name) and those that hung up, for deciding the end. */
  readonly live: Readonly<Record<string, string>>;
  readonly hungUp: readonly string[];
  /** True once any hangup of its channels (or a DELETE) began. */
  readonly hangingUp: boolean;
  /** When the last own channel of a call that never answered hung up (its OriginateResponse is then due). */
  readonly channelsGoneAt?: number;
}

/** What can happen to a call. */
export type CallInput =
  | { kind: "event"; event: AmiMessage; at: number; peers?: readonly CallPeer[] }
  | { kind: "hangup-requested"; at: number }
  | { kind: "refused"; at: number; message: string }
  | { kind: "stuck"; at: number; detail: string }
  | { kind: "reconciled"; at: number; alive: readonly { uniqueid: string; name: string; state: number; bridged: boolean }[] };

/** A new call, queued: the Originate was accepted. */
export function queuedCall(init: { id: string; server: string; request: CallRequest; actionId: string; channelId: string; otherChannelId: string; createdBy: string; at: number; detail?: string }): CallRecord {
  const { at, detail = "Originate successfully queued", ...fields } = init;
  return {
    ...fields,
    state: "queued",
    createdAt: at,
    history: [{ state: "queued", at, detail }],
    live: {},
    hungUp: [],
    hangingUp: false,
  };
}

function move(call: CallRecord, state: CallStateName, at: number, detail: string, extra: Partial<CallRecord> = {}): CallRecord {
  if (isFinal(call.state)) return Object.keys(extra).length === 0 ? call : { ...call, ...extra };
  if (state === call.state && state !== "bridged") return Object.keys(extra).length === 0 ? call : { ...call, ...extra };
  const next: CallRecord = { ...call, ...extra, state, history: [...call.history, { state, at, detail }] };
  if (!isFinal(state)) return next;
  const answeredAt = next.answeredAt;
  return {
    ...next,
    endedAt: at,
    durations: { totalMs: at - next.createdAt, ...(answeredAt !== undefined ? { waitMs: answeredAt - next.createdAt, talkMs: at - answeredAt } : {}) },
  };
}

function forward(call: CallRecord, state: CallStateName, at: number, detail: string, extra: Partial<CallRecord> = {}): CallRecord {
  return RANK[state] > RANK[call.state] ? move(call, state, at, detail, extra) : Object.keys(extra).length === 0 ? call : { ...call, ...extra };
}

function roleOf(call: CallRecord, uniqueid: string): HangupBy["role"] {
  if (uniqueid === call.channelId) return "channel";
  if (uniqueid === call.otherChannelId) return "other";
  return "peer";
}

function isOwn(call: CallRecord, uniqueid: string | undefined): uniqueid is string {
  return uniqueid === call.channelId || uniqueid === call.otherChannelId;
}

function numberOf(text: string | undefined): number {
  const value = Number(text ?? "");
  return Number.isFinite(value) ? value : 0;
}

/** The end of an answered call or the failure of an unanswered one, once every own channel is gone. */
function settleIfGone(call: CallRecord, at: number): CallRecord {
  if (isFinal(call.state) || !call.hungUp.includes(call.channelId)) return call;
  if (Object.keys(call.live).some((id) => !call.hungUp.includes(id))) return call;
  const cause = call.cause ?? 0;
  const detail = `Hangup, cause ${cause} (${call.causeText ?? hangupCauseText(cause)})`;
  // Unanswered: the OriginateResponse says why; it may still be on its way, so wait for it.
  if (call.answeredAt === undefined) return call.channelsGoneAt === undefined ? { ...call, channelsGoneAt: at } : call;
  return move(call, "ended", at, detail);
}

function onEvent(call: CallRecord, event: AmiMessage, at: number, peers: readonly CallPeer[] | undefined): CallRecord {
  const name = event.name.toLowerCase();
  if (name === "originateresponse") {
    if (event.get("ActionID") !== call.actionId) return call;
    const code = numberOf(event.get("Reason"));
    const success = event.get("Response")?.toLowerCase() === "success";
    const channel = call.channel ?? (success ? event.get("Channel") : undefined);
    const named = channel === undefined ? {} : { channel };
    if (success) return forward(call, "answered", at, `OriginateResponse Success, Reason ${code}`, { ...named, reasonCode: code, answeredAt: call.answeredAt ?? at });
    return move(call, "failed", at, `OriginateResponse Failure, Reason ${code} (${originateReasonName(code)})`, { ...named, reason: originateReasonName(code), reasonCode: code });
  }
  const uniqueid = event.get("Uniqueid");
  const dest = event.get("DestUniqueid");
  let next = call;
  // Names of own channels, as soon as any event shows them.
  if (isOwn(call, uniqueid) && !call.hungUp.includes(uniqueid)) {
    const channelName = event.get("Channel") ?? "";
    const key = uniqueid === call.channelId ? "channel" : "otherChannel";
    next = { ...next, live: { ...next.live, [uniqueid]: channelName }, [key]: channelName };
  }
  const primary = uniqueid === call.channelId;
  switch (name) {
    case "newchannel":
      if (primary) next = forward(next, "dialing", at, "Newchannel");
      break;
    case "dialbegin":
      if (dest === call.channelId) next = forward(next, "dialing", at, `DialBegin ${event.get("DialString") ?? ""}`.trim());
      break;
    case "newstate": {
      if (!primary) break;
      const state = numberOf(event.get("ChannelState"));
      if (state === 5) next = forward(next, "ringing", at, "Newstate Ringing");
      if (state === 6) next = forward(next, "answered", at, "Newstate Up", { answeredAt: next.answeredAt ?? at });
      break;
    }
    case "bridgeenter":
    case "bridgeleave": {
      const peer = peers?.[0];
      if (peer && !next.hangingUp) {
        if (next.peer?.uniqueid !== peer.uniqueid) next = move(next, "bridged", at, `BridgeEnter, with ${peer.channel}`, { peer, bridgedAt: next.bridgedAt ?? at, answeredAt: next.answeredAt ?? at });
      } else if (!peer && next.peer && !next.hangingUp && next.state === "bridged") {
        const { peer: _left, ...rest } = next;
        next = move(rest as CallRecord, "answered", at, `BridgeLeave, no longer with ${next.peer.channel}`);
      }
      break;
    }
    case "hanguprequest":
    case "softhanguprequest":
    case "hangup":
      if (!next.hangingUp && uniqueid !== undefined) next = { ...next, hangingUp: true, hangupBy: { role: roleOf(call, uniqueid), channel: event.get("Channel") ?? "" } };
      if (name === "hangup" && isOwn(call, uniqueid) && !next.hungUp.includes(uniqueid)) {
        const cause = numberOf(event.get("Cause"));
        const first = next.cause === undefined || (next.cause === 0 && cause !== 0);
        next = { ...next, hungUp: [...next.hungUp, uniqueid], live: { ...next.live, [uniqueid]: event.get("Channel") ?? next.live[uniqueid] ?? "" } };
        if (first) next = { ...next, cause, causeText: event.get("Cause-txt") ?? hangupCauseText(cause) };
        next = settleIfGone(next, at);
      }
      break;
  }
  return next;
}

/** Reconciles after a reconnect: own channels still listed keep the call going, none means it was lost. */
function onReconciled(call: CallRecord, at: number, alive: readonly { uniqueid: string; name: string; state: number; bridged: boolean }[]): CallRecord {
  if (isFinal(call.state)) return call;
  const own = alive.filter((channel) => isOwn(call, channel.uniqueid));
  if (own.length === 0) {
    const detail = "CoreShowChannels after a reconnect lists none of its channels";
    return call.answeredAt !== undefined || hasReached(call.state, "answered")
      ? move(call, "ended", at, detail, { reason: "lost while disconnected" })
      : move(call, "failed", at, detail, { reason: "lost while disconnected" });
  }
  let next = call;
  for (const channel of own) {
    const key = channel.uniqueid === call.channelId ? "channel" : "otherChannel";
    next = { ...next, live: { ...next.live, [channel.uniqueid]: channel.name }, [key]: channel.name };
  }
  const primary = own.find((channel) => channel.uniqueid === call.channelId);
  if (primary?.state === 6 || own.some((channel) => channel.state === 6)) next = forward(next, "answered", at, "CoreShowChannels after a reconnect: up", { answeredAt: next.answeredAt ?? at });
  else if (primary?.state === 5) next = forward(next, "ringing", at, "CoreShowChannels after a reconnect: ringing");
  else next = forward(next, "dialing", at, "CoreShowChannels after a reconnect: exists");
  return next;
}

/** The call after `input`; the same object when nothing changed. */
export function reduceCall(call: CallRecord, input: CallInput): CallRecord {
  switch (input.kind) {
    case "event":
      return onEvent(call, input.event, input.at, input.peers);
    case "hangup-requested":
      return call.hangingUp || isFinal(call.state) ? call : { ...call, hangingUp: true, hangupBy: { role: "api" } };
    case "reconciled":
      return onReconciled(call, input.at, input.alive);
    case "refused":
      return move(call, "failed", input.at, `Originate refused: ${input.message}`, { reason: "refused", asteriskMessage: input.message });
    case "stuck":
      return move(call, "failed", input.at, input.detail, { reason: "no outcome from Asterisk" });
  }
}

/** Why a call that never answered failed, from its hangup cause (for when no OriginateResponse will come). */
export function failedFromCause(call: CallRecord, at: number): CallRecord {
  const cause = call.cause ?? 0;
  return move(call, "failed", at, `Hangup, cause ${cause} (${call.causeText ?? hangupCauseText(cause)}), no OriginateResponse`, { reason: reasonForCause(cause) });
}
