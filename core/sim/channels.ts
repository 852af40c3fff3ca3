/** The simulated PBX's channels: their state, names and ids, and the table of live ones. */

/** `ChannelStateDesc` for each `ChannelState` (`include/asterisk/channelstate.h`). */
export const STATE_DESC: readonly string[] = [
  "Down", "Rsrvd", "OffHook", "Dialing", "Ring", "Ringing", "Up", "Busy", "Dialing Offhook", "Pre-ring", "Unknown",
];

/** Channel states the simulation uses. */
export const ChannelState = Object.freeze({ Down: 0, Ring: 4, Ringing: 5, Up: 6, Busy: 7 });

/** What Asterisk prints for a caller id part it does not know. */
export const UNKNOWN = "<unknown>";

/** One live channel, with the fields its AMI snapshot shows. */
export interface SimChannel {
  name: string;
  uniqueid: string;
  linkedid: string;
  state: number;
  callerIdNum: string;
  callerIdName: string;
  connectedNum: string;
  connectedName: string;
  accountCode: string;
  language: string;
  context: string;
  exten: string;
  priority: number;
  /** The application running now (`AppDial2`, `Wait` …), for CoreShowChannels and Status. */
  application: string;
  appData: string;
  /** Device the channel counts against in `DeviceStateChange` (`Local/100@test`). */
  device: string;
  createdAt: number;
  answeredAt: number | undefined;
  variables: Map<string, string>;
  /** Which call it belongs to, so a Hangup action finds the whole call. */
  callId: number;
  /** The bridge it is in (BridgeEnter … BridgeLeave), for CoreShowChannels' BridgeId. */
  bridgeId?: string;
}

/** Allocates names and ids the way Asterisk does, and keeps the live channels. */
export class ChannelTable {
  readonly #live = new Map<string, SimChannel>();
  #uniqueCounter = 0;
  #localCounter = 0;

  /** A fresh `Uniqueid`: creation time in seconds, a dot, and a counter shared by every channel. */
  nextUniqueid(now = Date.now()): string {
    return `${Math.floor(now / 1000)}.${this.#uniqueCounter++}`;
  }

  /** Burns a uniqueid number, as Asterisk does for a channel created with an assigned id. */
  skipUniqueid(): void {
    this.#uniqueCounter++;
  }

  /** The `-00000007` suffix of the next Local channel pair. */
  nextLocalSuffix(): string {
    return (this.#localCounter++).toString(16).padStart(8, "0");
  }

  add(channel: SimChannel): void {
    this.#live.set(channel.name.toLowerCase(), channel);
  }

  remove(channel: SimChannel): void {
    if (this.#live.get(channel.name.toLowerCase()) === channel) this.#live.delete(channel.name.toLowerCase());
  }

  /** The live channel called `name` (case-insensitive), or with that Uniqueid: `ast_channel_get_by_name` takes either. */
  find(name: string): SimChannel | undefined {
    const byName = this.#live.get(name.toLowerCase());
    if (byName) return byName;
    for (const channel of this.#live.values()) if (channel.uniqueid === name) return channel;
    return undefined;
  }

  /** Live channels in creation order. */
  list(): SimChannel[] {
    return [...this.#live.values()];
  }

  get size(): number {
    return this.#live.size;
  }
}

/** A new channel with Asterisk's defaults: no caller id, language `en`, priority 1. */
export function createChannel(fields: {
  name: string;
  uniqueid: string;
  linkedid: string;
  state: number;
  context: string;
  exten: string;
  device: string;
  callId: number;
  now: number;
}): SimChannel {
  return {
    name: fields.name,
    uniqueid: fields.uniqueid,
    linkedid: fields.linkedid,
    state: fields.state,
    callerIdNum: UNKNOWN,
    callerIdName: UNKNOWN,
    connectedNum: UNKNOWN,
    connectedName: UNKNOWN,
    accountCode: "",
    language: "en",
    context: fields.context,
    exten: fields.exten,
    priority: 1,
    application: "",
    appData: "",
    device: fields.device,
    createdAt: fields.now,
    answeredAt: undefined,
    variables: new Map(),
    callId: fields.callId,
  };
}
