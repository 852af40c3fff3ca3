/**
 * A simulated call to a phone (`PJSIP/2001`): one channel, not a Local pair. It rings, then is
 * answered, busy, congested or left ringing (the outcome table of outcomes.ts, by endpoint name),
 * and once answered runs the Originate's target: an application, or the dialplan at
 * Context/Exten/Priority. Shaped after Asterisk 22's events for an originated PJSIP channel.
 */
import { ChannelState, createChannel } from "./channels.ts";
import type { ChannelTable, SimChannel } from "./channels.ts";
import type { OriginateResult, SimCall } from "./call.ts";
import { DIALLED_PHONE, hangupDialled, runDial } from "./dial.ts";
import * as ev from "./events.ts";
import type { Pairs } from "./events.ts";
import type { CallOutcome, Destination } from "./outcomes.ts";

/** Technologies simulated as phones; any other than these and Local fails like `Bogus/xyz`. */
export const ENDPOINT_TECHNOLOGIES: ReadonlySet<string> = new Set(["pjsip", "sip", "iax2"]);

/** What an endpoint call needs from the call simulator. */
export interface EndpointCallHost {
  readonly channels: ChannelTable;
  readonly timing: { setupMs: number; answerMs: number; talkMs: number; longCallMs: number };
  publish(event: Pairs): void;
  /** Sleeps; false when the call ended or the PBX closed meanwhile. */
  wait(call: SimCall, ms: number): Promise<boolean>;
  decide(call: SimCall, result: OriginateResult): void;
  remove(call: SimCall, channel: SimChannel): void;
  cdr(channel: SimChannel, call: SimCall, disposition: string, endedAt: number): Pairs;
  deviceState(channel: SimChannel, state: string, times: number): void;
  /** Counts a call that created a channel (`CoreProcessedCalls`). */
  processed(): void;
  /** How a call to `destination` ends (the dialplan's Dial uses it for the phone it rings). */
  outcomeFor(destination: Destination): CallOutcome;
}

/** Creates the phone's channel, rings it, and plays the call's outcome to its end. */
export async function runEndpointCall(host: EndpointCallHost, call: SimCall): Promise<void> {
  if (!(await host.wait(call, host.timing.setupMs))) return;
  const channel = createLeg(host, call);
  host.publish(ev.newchannel(channel));
  for (const [name, value] of call.request.variables) {
    channel.variables.set(name, value);
    host.publish(ev.varSet(channel, name, value));
  }
  const { callerId, account } = call.request;
  if (account !== undefined) {
    const old = channel.accountCode;
    channel.accountCode = account;
    host.publish(ev.newAccountCode(channel, old));
  }
  if (callerId) {
    // Originate's CallerID is what the phone shows: the channel's caller id and connected line.
    channel.callerIdNum = channel.connectedNum = callerId.num;
    channel.callerIdName = channel.connectedName = callerId.name;
    host.publish(ev.newCallerid(channel));
    host.publish(ev.newConnectedLine(channel));
  }
  channel.state = ChannelState.Ringing;
  host.publish(ev.newstate(channel));
  host.deviceState(channel, "RINGING", 1);
  switch (call.outcome) {
    case "answer":
    case "answer-long":
      return answer(host, call, channel);
    case "busy":
    case "congestion":
      return refuse(host, call, channel);
    default:
      return ringUntilTimeout(host, call, channel);
  }
}

/** A Hangup action on the phone's channel (or on the phone its dialplan dialled). */
export function hangupEndpointCall(host: EndpointCallHost, call: SimCall, cause: number, target?: SimChannel): void {
  const channel = call.one;
  if (!channel || call.ended) return;
  call.ended = true;
  call.timers.close();
  if (call.callee) return hangupDialled(host, call, target ?? channel, cause);
  host.publish(ev.hangupRequest(channel, cause));
  end(host, call, channel, cause, call.answered ? "ANSWERED" : "NO ANSWER", { success: false, reason: 1 });
}

function createLeg(host: EndpointCallHost, call: SimCall): SimChannel {
  const { destination, channelId, target } = call.request;
  const now = Date.now();
  let uniqueid = channelId;
  if (uniqueid) host.channels.skipUniqueid();
  else uniqueid = host.channels.nextUniqueid(now);
  const device = `${destination.technology}/${destination.exten}`;
  // A new outgoing channel sits at `s` in the endpoint's context until the Originate moves it.
  const context = "context" in target ? target.context : "default";
  const channel = createChannel({ name: `${device}-${host.channels.nextLocalSuffix()}`, uniqueid, linkedid: uniqueid, state: ChannelState.Down, context, exten: "s", device, callId: call.id, now });
  call.one = channel;
  host.channels.add(channel);
  host.processed();
  return channel;
}

/** Answered: the Originate is decided, the target runs, and the call clears after talkMs (or longCallMs). */
async function answer(host: EndpointCallHost, call: SimCall, channel: SimChannel): Promise<void> {
  if (!(await host.wait(call, host.timing.answerMs))) return;
  channel.state = ChannelState.Up;
  channel.answeredAt = Date.now();
  call.answered = true;
  host.publish(ev.newstate(channel));
  host.deviceState(channel, "INUSE", 1);
  host.decide(call, { success: true, reason: 4 });
  const long = call.outcome === "answer-long";
  const { target } = call.request;
  if ("application" in target) {
    channel.application = target.application;
    channel.appData = target.data;
  } else {
    channel.context = target.context;
    channel.exten = target.exten;
    channel.priority = target.priority;
    runApp(host, channel, "Answer", "");
    channel.priority++;
    if (DIALLED_PHONE.test(target.exten)) return dialThenHangup(host, call, channel, target.exten);
    runApp(host, channel, long ? "Wait" : "Playback", long ? "30" : "demo-congrats");
  }
  if (!(await host.wait(call, long ? host.timing.longCallMs : host.timing.talkMs))) return;
  call.ended = true;
  if (!("application" in target)) {
    channel.priority++;
    runApp(host, channel, "Hangup", "");
  }
  end(host, call, channel, 16, "ANSWERED");
}

/** `Dial(PJSIP/<exten>)` from the answered phone, then its own Hangup once the Dial is over. */
async function dialThenHangup(host: EndpointCallHost, call: SimCall, channel: SimChannel, exten: string): Promise<void> {
  const result = await runDial(host, call, channel, exten);
  if (!result || call.ended) return;
  call.ended = true;
  channel.priority++;
  runApp(host, channel, "Hangup", "");
  end(host, call, channel, result.cause, "ANSWERED");
}

/** Busy or congested: the phone refuses, the Originate fails with Reason 5 or 8. */
async function refuse(host: EndpointCallHost, call: SimCall, channel: SimChannel): Promise<void> {
  if (!(await host.wait(call, host.timing.answerMs))) return;
  call.ended = true;
  const busy = call.outcome === "busy";
  if (busy) {
    channel.state = ChannelState.Busy;
    host.publish(ev.newstate(channel));
    host.deviceState(channel, "BUSY", 1);
  }
  end(host, call, channel, busy ? 17 : 34, busy ? "BUSY" : "FAILED", { success: false, reason: busy ? 5 : 8 });
}

/** Nobody answers: it rings until the Originate's Timeout, then fails with Reason 3. */
async function ringUntilTimeout(host: EndpointCallHost, call: SimCall, channel: SimChannel): Promise<void> {
  if (!(await host.wait(call, call.request.timeoutMs))) return;
  call.ended = true;
  end(host, call, channel, 19, "NO ANSWER", { success: false, reason: 3 });
}

/** Hangup, the Originate's outcome (if not decided yet), the CDR and the device going idle. */
function end(host: EndpointCallHost, call: SimCall, channel: SimChannel, cause: number, disposition: string, result?: OriginateResult): void {
  const now = Date.now();
  host.publish(ev.hangup(channel, cause));
  host.remove(call, channel);
  if (result) host.decide(call, result);
  host.publish(host.cdr(channel, call, disposition, now));
  host.deviceState(channel, "NOT_INUSE", 1);
}

function runApp(host: EndpointCallHost, channel: SimChannel, application: string, data: string): void {
  channel.application = application;
  channel.appData = data;
  host.publish(ev.newexten(channel, application, data));
}
