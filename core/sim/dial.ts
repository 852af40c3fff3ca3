/**
 * The simulated dialplan's `exten => _2XXX,1,Dial(PJSIP/${EXTEN},30)`: a phone that answered an
 * Originate into extension 2002 rings phone 2002, and once that answers the two are bridged
 * (DialBegin, DialEnd, BridgeCreate, BridgeEnter ×2, then BridgeLeave ×2 and BridgeDestroy when
 * the callee hangs up), as originate-rich-events.raw shows for a dialled Local channel. The
 * callee's outcome comes from the same table as the Originate's (2004 busy, 2005 no answer …).
 */
import { bridgeCreate, bridgeDestroy, bridgeEnter, bridgeLeave, dialBeginFrom, dialEndFrom, type SimBridge } from "./bridge-events.ts";
import type { SimCall } from "./call.ts";
import { ChannelState, createChannel, type SimChannel } from "./channels.ts";
import type { EndpointCallHost } from "./endpoint-call.ts";
import * as ev from "./events.ts";
import { parseDestination } from "./outcomes.ts";

/** Extensions the simulated dialplan dials as phones. */
export const DIALLED_PHONE = /^2\d{3}$/;

/** How the Dial ended for the caller: the cause its own hangup then carries. */
export interface DialResult {
  cause: number;
}

function createCallee(host: EndpointCallHost, call: SimCall, caller: SimChannel, exten: string): SimChannel {
  const now = Date.now();
  const device = `PJSIP/${exten}`;
  const callee = createChannel({ name: `${device}-${host.channels.nextLocalSuffix()}`, uniqueid: host.channels.nextUniqueid(now), linkedid: caller.linkedid, state: ChannelState.Down, context: caller.context, exten, device, callId: call.id, now });
  // The callee sees who calls: the caller's id, and the caller is its connected line.
  callee.callerIdNum = callee.connectedNum = caller.callerIdNum;
  callee.callerIdName = callee.connectedName = caller.callerIdName;
  call.callee = callee;
  host.channels.add(callee);
  return callee;
}

/** Puts both channels in a new bridge, with the events in the capture's order (callee first). */
function bridge(host: EndpointCallHost, call: SimCall, caller: SimChannel, callee: SimChannel): SimBridge {
  const made: SimBridge = { id: crypto.randomUUID(), members: [] };
  call.bridge = made;
  host.publish(bridgeCreate(made));
  for (const channel of [callee, caller]) {
    made.members.push(channel);
    channel.bridgeId = made.id;
    host.publish(bridgeEnter(made, channel));
  }
  return made;
}

/** Takes `channel` out of its bridge (BridgeLeave), destroying the bridge when it empties. */
export function leaveBridge(host: EndpointCallHost, call: SimCall, channel: SimChannel): void {
  const made = call.bridge;
  if (!made || channel.bridgeId !== made.id) return;
  made.members = made.members.filter((member) => member !== channel);
  channel.bridgeId = undefined;
  host.publish(bridgeLeave(made, channel));
  if (made.members.length === 0) {
    host.publish(bridgeDestroy(made));
    call.bridge = undefined;
  }
}

/** The callee's channel goes: out of the bridge, Hangup, gone from the table. */
function hangupCallee(host: EndpointCallHost, call: SimCall, callee: SimChannel, cause: number): void {
  leaveBridge(host, call, callee);
  host.publish(ev.hangup(callee, cause));
  host.remove(call, callee);
  host.deviceState(callee, "NOT_INUSE", 1);
}

/** Runs the Dial from `caller`; undefined when the call ended meanwhile (a Hangup action, the PBX closing). */
export async function runDial(host: EndpointCallHost, call: SimCall, caller: SimChannel, exten: string): Promise<DialResult | undefined> {
  caller.application = "Dial";
  caller.appData = `PJSIP/${exten},30`;
  host.publish(ev.newexten(caller, caller.application, caller.appData));
  const callee = createCallee(host, call, caller, exten);
  host.publish(ev.newchannel(callee));
  host.publish(dialBeginFrom(caller, callee, exten));
  callee.state = ChannelState.Ringing;
  host.publish(ev.newstate(callee));
  host.deviceState(callee, "RINGING", 1);
  const outcome = host.outcomeFor(parseDestination(`PJSIP/${exten}`)!);
  if (!(await host.wait(call, outcome === "no-answer" ? host.timing.talkMs : host.timing.answerMs))) return undefined;
  switch (outcome) {
    case "answer":
    case "answer-long": {
      callee.state = ChannelState.Up;
      callee.answeredAt = Date.now();
      host.publish(ev.newstate(callee));
      host.publish(dialEndFrom(caller, callee, "ANSWER"));
      bridge(host, call, caller, callee);
      host.deviceState(callee, "INUSE", 1);
      if (!(await host.wait(call, outcome === "answer-long" ? host.timing.longCallMs : host.timing.talkMs))) return undefined;
      // The callee hangs up; the caller leaves the emptied bridge and its dialplan goes on.
      host.publish(ev.hangupRequest(callee, 16));
      hangupCallee(host, call, callee, 16);
      leaveBridge(host, call, caller);
      return { cause: 16 };
    }
    case "busy":
      callee.state = ChannelState.Busy;
      host.publish(ev.newstate(callee));
      host.publish(dialEndFrom(caller, callee, "BUSY"));
      hangupCallee(host, call, callee, 17);
      return { cause: 17 };
    case "no-answer":
      host.publish(dialEndFrom(caller, callee, "NOANSWER"));
      hangupCallee(host, call, callee, 19);
      return { cause: 19 };
    default:
      host.publish(dialEndFrom(caller, callee, outcome === "congestion" ? "CONGESTION" : "CHANUNAVAIL"));
      hangupCallee(host, call, callee, 34);
      return { cause: 34 };
  }
}

/** A Hangup action on either party of a dialled call: that one goes first with `cause`, the other follows (cause 16). */
export function hangupDialled(host: EndpointCallHost, call: SimCall, target: SimChannel, cause: number): void {
  const caller = call.one;
  const callee = call.callee;
  const first = target;
  const second = target === callee ? caller : callee;
  host.publish(ev.hangupRequest(first, cause));
  leaveBridge(host, call, first);
  host.publish(ev.hangup(first, cause));
  host.remove(call, first);
  if (second) {
    leaveBridge(host, call, second);
    host.publish(ev.hangup(second, 16));
    host.remove(call, second);
  }
  host.decide(call, { success: false, reason: 1 });
  if (caller) host.publish(host.cdr(caller, call, call.answered ? "ANSWERED" : "NO ANSWER", Date.now()));
  for (const channel of [first, second]) if (channel) host.deviceState(channel, "NOT_INUSE", 1);
}
