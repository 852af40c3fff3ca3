/**
 * One live channel as AMI events describe it, and the pure reducer that moves it along: an event
 * in, the channel out (undefined once it hung up). Events name a channel by its `Uniqueid`, or,
 * for the dialled side of DialBegin/DialEnd, by `DestUniqueid` with `Dest`-prefixed snapshot
 * headers; {@link channelTargets} says which channels an event is about and under which prefix.
 */
import type { AmiMessage } from "../message.ts";

/** A caller id or connected line: number and name, `<unknown>` where Asterisk has none. */
export interface PartyId {
  num: string;
  name: string;
}

/** A live channel, as the registry keeps it and `GET /v1/channels` shows it. */
export interface ChannelInfo {
  readonly server: string;
  readonly uniqueid: string;
  readonly linkedid: string;
  readonly name: string;
  /** `ChannelState` (0 Down … 5 Ringing, 6 Up, 7 Busy). */
  readonly state: number;
  readonly stateDesc: string;
  readonly callerId: PartyId;
  readonly connectedLine: PartyId;
  readonly accountCode: string;
  readonly context: string;
  readonly exten: string;
  readonly priority: number;
  /** The dialplan application running now, from Newexten (or CoreShowChannel). */
  readonly application: string;
  readonly appData: string;
  /** The bridge it is in, if any (BridgeEnter … BridgeLeave). */
  readonly bridgeId?: string;
  /** Uniqueids this channel is dialling (DialBegin … DialEnd). */
  readonly dialing: readonly string[];
  /** The last `DialStatus` of a dial that rang this channel (ANSWER, BUSY, NOANSWER …). */
  readonly dialStatus?: string;
  /** Values of the configured variables (VarSet), by name as configured. */
  readonly variables: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch: first seen, answered (state Up), last changed. */
  readonly createdAt: number;
  readonly answeredAt?: number;
  readonly updatedAt: number;
}

/** What the reducer needs besides the channel and the event. */
export interface ChannelContext {
  readonly server: string;
  /** When the event was received. */
  readonly at: number;
  /** Variable names whose VarSet is kept, lower case → name as configured. */
  readonly variables: ReadonlyMap<string, string>;
}

/** A channel an event is about: its Uniqueid and the prefix of its snapshot headers. */
export interface ChannelTarget {
  uniqueid: string;
  prefix: "" | "Dest";
}

/** Channel state of an answered channel (`AST_STATE_UP`). */
export const STATE_UP = 6;

function known(value: string | undefined): value is string {
  return value !== undefined && value !== "";
}

/** The channels an event is about (a global VarSet has `Uniqueid: none`, and is about none). */
export function channelTargets(event: AmiMessage): ChannelTarget[] {
  const targets: ChannelTarget[] = [];
  const own = event.get("Uniqueid");
  if (known(own) && own !== "none") targets.push({ uniqueid: own, prefix: "" });
  const name = event.name.toLowerCase();
  if (name === "dialbegin" || name === "dialend" || name === "dialstate") {
    const dest = event.get("DestUniqueid");
    if (known(dest) && dest !== own) targets.push({ uniqueid: dest, prefix: "Dest" });
  }
  return targets;
}

/** Whether the event carries a full channel snapshot (it has `ChannelState`) under `prefix`. */
export function hasSnapshot(event: AmiMessage, prefix: string): boolean {
  return event.get(`${prefix}ChannelState`) !== undefined && event.get(`${prefix}Channel`) !== undefined;
}

function party(event: AmiMessage, prefix: string, kind: "CallerID" | "ConnectedLine", fallback: PartyId | undefined): PartyId {
  return { num: event.get(`${prefix}${kind}Num`) ?? fallback?.num ?? "<unknown>", name: event.get(`${prefix}${kind}Name`) ?? fallback?.name ?? "<unknown>" };
}

/** The channel as the snapshot headers under `prefix` describe it, on top of what was known. */
function withSnapshot(base: ChannelInfo | undefined, event: AmiMessage, prefix: string, ctx: ChannelContext, uniqueid: string): ChannelInfo {
  const get = (key: string) => event.get(`${prefix}${key}`);
  const stateText = get("ChannelState");
  const state = stateText !== undefined && /^\d+$/.test(stateText) ? Number(stateText) : (base?.state ?? 0);
  const priorityText = get("Priority");
  const answeredAt = base?.answeredAt ?? (state === STATE_UP ? ctx.at : undefined);
  return {
    server: ctx.server,
    uniqueid,
    linkedid: get("Linkedid") ?? base?.linkedid ?? uniqueid,
    name: get("Channel") ?? base?.name ?? "",
    state,
    stateDesc: get("ChannelStateDesc") ?? base?.stateDesc ?? "",
    callerId: party(event, prefix, "CallerID", base?.callerId),
    connectedLine: party(event, prefix, "ConnectedLine", base?.connectedLine),
    accountCode: get("AccountCode") ?? base?.accountCode ?? "",
    context: get("Context") ?? base?.context ?? "",
    exten: get("Exten") ?? base?.exten ?? "",
    priority: priorityText !== undefined && /^\d+$/.test(priorityText) ? Number(priorityText) : (base?.priority ?? 1),
    application: base?.application ?? "",
    appData: base?.appData ?? "",
    ...(base?.bridgeId !== undefined ? { bridgeId: base.bridgeId } : {}),
    dialing: base?.dialing ?? [],
    ...(base?.dialStatus !== undefined ? { dialStatus: base.dialStatus } : {}),
    variables: base?.variables ?? {},
    createdAt: base?.createdAt ?? ctx.at,
    ...(answeredAt !== undefined ? { answeredAt } : {}),
    updatedAt: ctx.at,
  };
}

function without<T extends object, K extends keyof T>(value: T, key: K): Omit<T, K> {
  const { [key]: _dropped, ...rest } = value;
  return rest;
}

/**
 * The channel after `event`, for the target `target` of it (see {@link channelTargets}); undefined
 * after its Hangup, or when the event says too little to start a channel it did not know.
 */
export function reduceChannel(channel: ChannelInfo | undefined, event: AmiMessage, target: ChannelTarget, ctx: ChannelContext): ChannelInfo | undefined {
  const name = event.name.toLowerCase();
  if (name === "hangup") return undefined;
  const { prefix } = target;
  // A channel first seen mid-life (its Newchannel came before we connected) starts from any full snapshot.
  if (!channel && !hasSnapshot(event, prefix)) return undefined;
  let next = hasSnapshot(event, prefix) ? withSnapshot(channel, event, prefix, ctx, target.uniqueid) : { ...channel!, updatedAt: ctx.at };
  switch (name) {
    case "rename": {
      const newName = event.get("Newname");
      if (known(newName)) next = { ...next, name: newName };
      break;
    }
    case "newexten":
      next = { ...next, application: event.get("Application") ?? "", appData: event.get("AppData") ?? "" };
      break;
    case "dialbegin":
      if (prefix === "") {
        const dest = event.get("DestUniqueid");
        if (known(dest) && !next.dialing.includes(dest)) next = { ...next, dialing: [...next.dialing, dest] };
      }
      break;
    case "dialend":
      if (prefix === "") next = { ...next, dialing: next.dialing.filter((id) => id !== event.get("DestUniqueid")) };
      else next = { ...next, dialStatus: event.get("DialStatus") ?? "" };
      break;
    case "bridgeenter": {
      const bridge = event.get("BridgeUniqueid");
      if (known(bridge)) next = { ...next, bridgeId: bridge };
      break;
    }
    case "bridgeleave":
      if (next.bridgeId !== undefined && next.bridgeId === event.get("BridgeUniqueid")) next = without(next, "bridgeId") as ChannelInfo;
      break;
    case "varset": {
      const variable = event.get("Variable");
      const kept = variable === undefined ? undefined : ctx.variables.get(variable.toLowerCase());
      if (kept !== undefined) next = { ...next, variables: { ...next.variables, [kept]: event.get("Value") ?? "" } };
      break;
    }
  }
  return next;
}

/** A channel from one `CoreShowChannel` list item (coreshowchannels.raw): the snapshot plus its application and bridge. */
export function channelFromListItem(item: AmiMessage, ctx: ChannelContext, previous?: ChannelInfo): ChannelInfo | undefined {
  const uniqueid = item.get("Uniqueid");
  if (!known(uniqueid) || !hasSnapshot(item, "")) return undefined;
  const base = withSnapshot(previous?.uniqueid === uniqueid ? previous : undefined, item, "", ctx, uniqueid);
  const bridge = item.get("BridgeId");
  const duration = /^(\d+):(\d\d):(\d\d)$/.exec(item.get("Duration") ?? "");
  // A channel first learnt from the list was created Duration ago; one already known keeps its time.
  const createdAt = previous?.uniqueid === uniqueid ? previous.createdAt : duration ? ctx.at - ((Number(duration[1]) * 60 + Number(duration[2])) * 60 + Number(duration[3])) * 1000 : ctx.at;
  const rest = without(base, "bridgeId");
  return {
    ...rest,
    application: item.get("Application") ?? "",
    appData: item.get("ApplicationData") ?? "",
    ...(known(bridge) ? { bridgeId: bridge } : {}),
    createdAt,
  };
}
