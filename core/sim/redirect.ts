/**
 * A Redirect action on simulated channels: each moved channel leaves its bridge (BridgeLeave),
 * and continues at the new place (Newexten, where it waits until hung up or the long-call time
 * passes). A bridged party that is not moved is hung up, as Asterisk does when one leg of a
 * Dial() bridge is taken away; an emptied bridge is destroyed.
 */
import type { SimCall } from "./call.ts";
import type { SimChannel } from "./channels.ts";
import { leaveBridge } from "./dial.ts";
import type { EndpointCallHost } from "./endpoint-call.ts";
import * as ev from "./events.ts";
import { Timers } from "./timers.ts";

/** One channel to move and where. */
export interface RedirectMove {
  channel: SimChannel;
  context: string;
  exten: string;
  priority: number;
}

/** Moves the channels of one call; their old dialplan flow stops, a new one keeps them until the long-call time. */
export function redirectCall(host: EndpointCallHost, call: SimCall, moves: readonly RedirectMove[]): void {
  // The old flow (ringing, talking, dialling) is over for these channels: its timers stop, fresh ones start.
  call.timers.close();
  call.timers = new Timers();
  const moved = new Set(moves.map((move) => move.channel));
  const bridged = call.bridge ? [...call.bridge.members] : [];
  for (const move of moves) leaveBridge(host, call, move.channel);
  for (const left of bridged.filter((member) => !moved.has(member))) {
    leaveBridge(host, call, left);
    host.publish(ev.hangup(left, 16));
    host.remove(call, left);
    host.deviceState(left, "NOT_INUSE", 1);
  }
  for (const { channel, context, exten, priority } of moves) {
    channel.context = context;
    channel.exten = exten;
    channel.priority = priority;
    channel.application = "Wait";
    channel.appData = "30";
    host.publish(ev.newexten(channel, "Wait", "30"));
  }
  void (async () => {
    if (!(await host.wait(call, host.timing.longCallMs))) return;
    call.ended = true;
    for (const leg of call.legs) {
      host.publish(ev.hangup(leg, 16));
      host.remove(call, leg);
    }
    host.decide(call, { success: false, reason: 1 });
  })();
}
