/**
 * Event templates, header for header in the order Asterisk 22 writes them (see the captures in
 * test/fixtures/asterisk-22/). Each returns ordered `[key, value]` pairs.
 */
import { STATE_DESC, UNKNOWN } from "./channels.ts";
import type { SimChannel } from "./channels.ts";
import { hangupCauseText } from "../calls/causes.ts";

/** One AMI message as ordered header pairs. */
export type Pairs = Array<[string, string]>;

const CALL = "call,all";
const DIALPLAN = "dialplan,all";

/** The text Asterisk gives a hangup cause code (`Cause-txt`, from `main/channel.c`). */
export const causeText = hangupCauseText;

/** A channel snapshot (`Channel` … `Linkedid`), with every key prefixed (`Dest`, `LocalOne` …). */
export function snapshot(channel: SimChannel, prefix = ""): Pairs {
  return [
    [`${prefix}Channel`, channel.name],
    [`${prefix}ChannelState`, String(channel.state)],
    [`${prefix}ChannelStateDesc`, STATE_DESC[channel.state] ?? "Unknown"],
    [`${prefix}CallerIDNum`, channel.callerIdNum],
    [`${prefix}CallerIDName`, channel.callerIdName],
    [`${prefix}ConnectedLineNum`, channel.connectedNum],
    [`${prefix}ConnectedLineName`, channel.connectedName],
    [`${prefix}Language`, channel.language],
    [`${prefix}AccountCode`, channel.accountCode],
    [`${prefix}Context`, channel.context],
    [`${prefix}Exten`, channel.exten],
    [`${prefix}Priority`, String(channel.priority)],
    [`${prefix}Uniqueid`, channel.uniqueid],
    [`${prefix}Linkedid`, channel.linkedid],
  ];
}

/** `Event`, `Privilege`, the channel's snapshot, then `extra`. */
export function channelEvent(name: string, privilege: string, channel: SimChannel, extra: Pairs = []): Pairs {
  return [["Event", name], ["Privilege", privilege], ...snapshot(channel), ...extra];
}

export function newchannel(channel: SimChannel): Pairs {
  return channelEvent("Newchannel", CALL, channel);
}

export function newstate(channel: SimChannel): Pairs {
  return channelEvent("Newstate", CALL, channel);
}

/** The channel entered a dialplan step: its snapshot already shows the new priority. */
export function newexten(channel: SimChannel, application: string, appData: string): Pairs {
  return channelEvent("Newexten", DIALPLAN, channel, [
    ["Extension", channel.exten],
    ["Application", application],
    ["AppData", appData],
  ]);
}

export function varSet(channel: SimChannel, variable: string, value: string): Pairs {
  return channelEvent("VarSet", DIALPLAN, channel, [
    ["Variable", variable],
    ["Value", value],
  ]);
}

/** VarSet of a global variable (Setvar without Channel). */
export function globalVarSet(variable: string, value: string): Pairs {
  return [["Event", "VarSet"], ["Privilege", DIALPLAN], ["Channel", "none"], ["Uniqueid", "none"], ["Variable", variable], ["Value", value]];
}

export function newCallerid(channel: SimChannel): Pairs {
  return channelEvent("NewCallerid", CALL, channel, [["CID-CallingPres", "0 (Presentation Allowed, Not Screened)"]]);
}

export function newConnectedLine(channel: SimChannel): Pairs {
  return channelEvent("NewConnectedLine", CALL, channel);
}

export function newAccountCode(channel: SimChannel, oldAccountCode: string): Pairs {
  return channelEvent("NewAccountCode", CALL, channel, [["OldAccountCode", oldAccountCode]]);
}

export function hangupRequest(channel: SimChannel, cause: number): Pairs {
  return channelEvent("HangupRequest", CALL, channel, [["Cause", String(cause)]]);
}

export function softHangupRequest(channel: SimChannel, cause: number): Pairs {
  return channelEvent("SoftHangupRequest", CALL, channel, [["Cause", String(cause)]]);
}

export function hangup(channel: SimChannel, cause: number): Pairs {
  return channelEvent("Hangup", CALL, channel, [
    ["Cause", String(cause)],
    ["Cause-txt", causeText(cause)],
  ]);
}

/** The two halves of a Local channel were connected (chan_local). */
export function localBridge(one: SimChannel, two: SimChannel): Pairs {
  return [
    ["Event", "LocalBridge"],
    ["Privilege", CALL],
    ...snapshot(one, "LocalOne"),
    ...snapshot(two, "LocalTwo"),
    ["Context", one.context],
    ["Exten", one.exten],
    ["LocalOptimization", "Yes"],
  ];
}

/** An originate started dialling `dest` (no caller channel: the originate itself dials). */
export function dialBegin(dest: SimChannel, dialString: string): Pairs {
  return [["Event", "DialBegin"], ["Privilege", CALL], ...snapshot(dest, "Dest"), ["DialString", dialString]];
}

export function dialEnd(dest: SimChannel, dialStatus: string): Pairs {
  return [["Event", "DialEnd"], ["Privilege", CALL], ...snapshot(dest, "Dest"), ["DialStatus", dialStatus]];
}

export function deviceStateChange(device: string, state: string): Pairs {
  return [["Event", "DeviceStateChange"], ["Privilege", CALL], ["Device", device], ["State", state]];
}

/** What a CDR records beyond the channel itself. */
export interface CdrFields {
  destination: string;
  destinationContext: string;
  destinationChannel: string;
  lastApplication: string;
  lastData: string;
  startedAt: number;
  answeredAt: number | undefined;
  endedAt: number;
  disposition: string;
  /** Formats a time as `2026-11-27 09:16:16`. */
  format(ms: number): string;
}

/** `Event: Cdr` (cdr_manager) for `channel`. */
export function cdr(channel: SimChannel, fields: CdrFields): Pairs {
  const known = (value: string) => (value === UNKNOWN ? "" : value);
  const duration = Math.floor((fields.endedAt - fields.startedAt) / 1000);
  const billable = fields.answeredAt === undefined ? 0 : Math.floor((fields.endedAt - fields.answeredAt) / 1000);
  return [
    ["Event", "Cdr"],
    ["Privilege", "cdr,all"],
    ["AccountCode", channel.accountCode],
    ["Source", known(channel.callerIdNum)],
    ["Destination", fields.destination],
    ["DestinationContext", fields.destinationContext],
    ["CallerID", `"${known(channel.callerIdName)}" <${known(channel.callerIdNum)}>`],
    ["Channel", channel.name],
    ["DestinationChannel", fields.destinationChannel],
    ["LastApplication", fields.lastApplication],
    ["LastData", fields.lastData],
    ["StartTime", fields.format(fields.startedAt)],
    ["AnswerTime", fields.answeredAt === undefined ? "" : fields.format(fields.answeredAt)],
    ["EndTime", fields.format(fields.endedAt)],
    ["Duration", String(duration)],
    ["BillableSeconds", String(billable)],
    ["Disposition", fields.disposition],
    ["AMAFlags", "DOCUMENTATION"],
    ["UniqueID", channel.uniqueid],
    ["UserField", ""],
  ];
}

/** What an OriginateResponse reports. */
export interface OriginateOutcome {
  actionId: string | undefined;
  success: boolean;
  /** The channel's name on success, the requested `Channel` otherwise. */
  channel: string;
  /** Application and Data, or Context and Exten, as the Originate asked. */
  target: { application: string; data: string } | { context: string; exten: string };
  reason: number;
  uniqueid: string;
  callerIdNum: string;
  callerIdName: string;
}

/** `Event: OriginateResponse`, broadcast when an async Originate is decided. */
export function originateResponse(outcome: OriginateOutcome): Pairs {
  const pairs: Pairs = [["Event", "OriginateResponse"], ["Privilege", CALL]];
  if (outcome.actionId) pairs.push(["ActionID", outcome.actionId]);
  pairs.push(["Response", outcome.success ? "Success" : "Failure"], ["Channel", outcome.channel]);
  if ("application" in outcome.target) pairs.push(["Application", outcome.target.application], ["Data", outcome.target.data]);
  else pairs.push(["Context", outcome.target.context], ["Exten", outcome.target.exten]);
  pairs.push(
    ["Reason", String(outcome.reason)],
    ["Uniqueid", outcome.uniqueid],
    ["CallerIDNum", outcome.callerIdNum],
    ["CallerIDName", outcome.callerIdName],
  );
  return pairs;
}
