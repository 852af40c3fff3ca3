/**
 * Event templates of a dialplan Dial() and the bridge it makes, header for header as
 * originate-rich-events.raw shows them: DialBegin/DialEnd with the caller's snapshot and the
 * `Dest` one, BridgeCreate, BridgeEnter/BridgeLeave with the bridge's fields then the channel's.
 */
import type { SimChannel } from "./channels.ts";
import { snapshot, type Pairs } from "./events.ts";

const CALL = "call,all";

/** A simulated basic two-party bridge. */
export interface SimBridge {
  id: string;
  members: SimChannel[];
}

function bridgeFields(bridge: SimBridge): Pairs {
  return [
    ["BridgeUniqueid", bridge.id],
    ["BridgeType", "basic"],
    ["BridgeTechnology", "simple_bridge"],
    ["BridgeCreator", "<unknown>"],
    ["BridgeName", "<unknown>"],
    ["BridgeNumChannels", String(bridge.members.length)],
    ["BridgeVideoSourceMode", "none"],
  ];
}

export function bridgeCreate(bridge: SimBridge): Pairs {
  return [["Event", "BridgeCreate"], ["Privilege", CALL], ...bridgeFields(bridge)];
}

/** After `channel` joined `bridge` (its member count includes it). */
export function bridgeEnter(bridge: SimBridge, channel: SimChannel): Pairs {
  return [["Event", "BridgeEnter"], ["Privilege", CALL], ...bridgeFields(bridge), ...snapshot(channel)];
}

/** After `channel` left `bridge` (its member count no longer includes it). */
export function bridgeLeave(bridge: SimBridge, channel: SimChannel): Pairs {
  return [["Event", "BridgeLeave"], ["Privilege", CALL], ...bridgeFields(bridge), ...snapshot(channel)];
}

export function bridgeDestroy(bridge: SimBridge): Pairs {
  return [["Event", "BridgeDestroy"], ["Privilege", CALL], ...bridgeFields(bridge)];
}

/** `caller` started dialling `dest` (Dial() in the dialplan). */
export function dialBeginFrom(caller: SimChannel, dest: SimChannel, dialString: string): Pairs {
  return [["Event", "DialBegin"], ["Privilege", CALL], ...snapshot(caller), ...snapshot(dest, "Dest"), ["DialString", dialString]];
}

export function dialEndFrom(caller: SimChannel, dest: SimChannel, dialStatus: string): Pairs {
  return [["Event", "DialEnd"], ["Privilege", CALL], ...snapshot(caller), ...snapshot(dest, "Dest"), ["DialStatus", dialStatus]];
}
