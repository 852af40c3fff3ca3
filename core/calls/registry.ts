/**
 * The live channels of every upstream, kept by applying {@link reduceChannel} to each event, with
 * the bridges they are in and the channels that hung up a moment ago (so a late request is told
 * "gone", not "unknown"). After every (re)connect the plugin lists the channels with
 * CoreShowChannels and {@link ChannelRegistry.finishSync} rebuilds the server's table from the
 * list, keeping what events changed while the list was on its way. While disconnected a server's
 * table is marked stale: AMI never replays what happened meanwhile.
 */
import type { AmiMessage } from "../message.ts";
import { type ChannelContext, type ChannelInfo, channelFromListItem, channelTargets, reduceChannel } from "./channel-reducer.ts";

/** A channel that hung up recently. */
export interface GoneChannel {
  readonly uniqueid: string;
  readonly name: string;
  readonly cause: number;
  readonly causeText: string;
  readonly at: number;
}

/** Freshness of one server's table. */
export interface RegistryStatus {
  /** True from a disconnect until the next CoreShowChannels rebuilt the table. */
  stale: boolean;
  /** When it became stale. */
  staleSince?: number;
  /** When the last CoreShowChannels rebuilt it. */
  syncedAt?: number;
}

/** Options of {@link ChannelRegistry}. */
export interface ChannelRegistryOptions {
  /** VarSet variables to keep on each channel (names, case-insensitive). */
  variables?: readonly string[];
  /** Hung-up channels remembered per server, and for how long. Default 1000, 5 minutes. */
  goneCount?: number;
  goneMs?: number;
}

/** What applying one event changed. */
export interface Applied {
  /** Uniqueids of the channels the event was about (after a Rename, the same ids). */
  uniqueids: string[];
  /** Channels that hung up with it. */
  gone: GoneChannel[];
  /** Bridges the event is about (BridgeEnter/Leave), so calls can learn their peers. */
  bridgeId?: string;
}

class ServerChannels {
  readonly channels = new Map<string, ChannelInfo>();
  readonly byName = new Map<string, string>();
  readonly bridges = new Map<string, Set<string>>();
  readonly gone = new Map<string, GoneChannel>();
  status: RegistryStatus = { stale: true, staleSince: Date.now() };
  /** While a CoreShowChannels is on its way: channels events changed, and those that hung up. */
  sync: { touched: Set<string>; hungUp: Set<string> } | undefined;

  put(channel: ChannelInfo, previous: ChannelInfo | undefined): void {
    if (previous && previous.name.toLowerCase() !== channel.name.toLowerCase()) this.byName.delete(previous.name.toLowerCase());
    if (previous?.bridgeId !== undefined && previous.bridgeId !== channel.bridgeId) this.#leave(previous.bridgeId, channel.uniqueid);
    if (channel.bridgeId !== undefined) {
      let members = this.bridges.get(channel.bridgeId);
      if (!members) this.bridges.set(channel.bridgeId, (members = new Set()));
      members.add(channel.uniqueid);
    }
    this.channels.set(channel.uniqueid, channel);
    this.byName.set(channel.name.toLowerCase(), channel.uniqueid);
  }

  drop(channel: ChannelInfo): void {
    this.channels.delete(channel.uniqueid);
    if (this.byName.get(channel.name.toLowerCase()) === channel.uniqueid) this.byName.delete(channel.name.toLowerCase());
    if (channel.bridgeId !== undefined) this.#leave(channel.bridgeId, channel.uniqueid);
  }

  clear(): void {
    this.channels.clear();
    this.byName.clear();
    this.bridges.clear();
  }

  #leave(bridgeId: string, uniqueid: string): void {
    const members = this.bridges.get(bridgeId);
    if (!members) return;
    members.delete(uniqueid);
    if (members.size === 0) this.bridges.delete(bridgeId);
  }
}

/** Live channels per server; see the module comment. */
export class ChannelRegistry {
  readonly #servers = new Map<string, ServerChannels>();
  readonly #variables: ReadonlyMap<string, string>;
  readonly #goneCount: number;
  readonly #goneMs: number;

  constructor(options: ChannelRegistryOptions = {}) {
    this.#variables = new Map((options.variables ?? []).map((name) => [name.toLowerCase(), name]));
    this.#goneCount = options.goneCount ?? 1000;
    this.#goneMs = options.goneMs ?? 300_000;
  }

  #server(server: string): ServerChannels {
    let table = this.#servers.get(server);
    if (!table) this.#servers.set(server, (table = new ServerChannels()));
    return table;
  }

  /** Applies one AMI event of `server`. */
  apply(server: string, event: AmiMessage, at = event.receivedAt || Date.now()): Applied {
    const table = this.#server(server);
    const ctx: ChannelContext = { server, at, variables: this.#variables };
    const applied: Applied = { uniqueids: [], gone: [] };
    const name = event.name.toLowerCase();
    if (name === "bridgeenter" || name === "bridgeleave") applied.bridgeId = event.get("BridgeUniqueid");
    for (const target of channelTargets(event)) {
      const previous = table.channels.get(target.uniqueid);
      // A late event of a channel that already hung up must not bring it back.
      if (!previous && table.gone.has(target.uniqueid)) continue;
      const next = reduceChannel(previous, event, target, ctx);
      applied.uniqueids.push(target.uniqueid);
      table.sync?.touched.add(target.uniqueid);
      if (next) {
        table.put(next, previous);
        continue;
      }
      if (name !== "hangup") continue;
      const causeText = event.get("Cause-txt") ?? "";
      const cause = Number(event.get("Cause") ?? "0");
      const gone: GoneChannel = { uniqueid: target.uniqueid, name: previous?.name ?? event.get("Channel") ?? "", cause: Number.isFinite(cause) ? cause : 0, causeText, at };
      if (previous) table.drop(previous);
      table.sync?.hungUp.add(target.uniqueid);
      this.#remember(table, gone);
      applied.gone.push(gone);
    }
    return applied;
  }

  #remember(table: ServerChannels, gone: GoneChannel): void {
    table.gone.set(gone.uniqueid, gone);
    table.gone.set(`name:${gone.name.toLowerCase()}`, gone);
    const oldest = gone.at - this.#goneMs;
    for (const [key, entry] of table.gone) {
      if (table.gone.size <= this.#goneCount * 2 && entry.at >= oldest) break;
      table.gone.delete(key);
    }
  }

  /** The connection was lost: the table stays readable but is marked stale. */
  markStale(server: string, at = Date.now()): void {
    const table = this.#server(server);
    if (!table.status.stale) table.status = { ...table.status, stale: true, staleSince: at };
    table.sync = undefined;
  }

  /** A CoreShowChannels is about to be sent: from now on, note what events change. */
  beginSync(server: string): void {
    this.#server(server).sync = { touched: new Set(), hungUp: new Set() };
  }

  /**
   * Rebuilds the table from a CoreShowChannels list. Channels an event changed while the list was
   * on its way keep their event-made state (newer than the list's), those that hung up stay gone;
   * everything else not in the list hung up while we were away.
   */
  finishSync(server: string, items: readonly AmiMessage[], at = Date.now()): { gone: ChannelInfo[] } {
    const table = this.#server(server);
    const sync = table.sync ?? { touched: new Set<string>(), hungUp: new Set<string>() };
    const ctx: ChannelContext = { server, at, variables: this.#variables };
    const previous = new Map(table.channels);
    const rebuilt = new Map<string, ChannelInfo>();
    for (const item of items) {
      const uniqueid = item.get("Uniqueid") ?? "";
      if (sync.hungUp.has(uniqueid)) continue;
      const known = previous.get(uniqueid);
      const channel = sync.touched.has(uniqueid) && known ? known : channelFromListItem(item, ctx, known);
      if (channel) rebuilt.set(channel.uniqueid, channel);
    }
    for (const uniqueid of sync.touched) {
      const known = previous.get(uniqueid);
      if (known && !rebuilt.has(uniqueid)) rebuilt.set(uniqueid, known);
    }
    table.clear();
    for (const channel of rebuilt.values()) table.put(channel, undefined);
    table.sync = undefined;
    table.status = { stale: false, syncedAt: at };
    return { gone: [...previous.values()].filter((channel) => !rebuilt.has(channel.uniqueid)) };
  }

  /** Freshness of a server's table. */
  status(server: string): RegistryStatus {
    return { ...this.#server(server).status };
  }

  /** A live channel by Uniqueid or by name (names case-insensitive, as Asterisk finds them). */
  find(server: string, id: string): ChannelInfo | undefined {
    const table = this.#servers.get(server);
    if (!table) return undefined;
    const byId = table.channels.get(id);
    if (byId) return byId;
    const uniqueid = table.byName.get(id.toLowerCase());
    return uniqueid === undefined ? undefined : table.channels.get(uniqueid);
  }

  /** A channel that hung up recently, by Uniqueid or name. */
  gone(server: string, id: string): GoneChannel | undefined {
    const table = this.#servers.get(server);
    return table?.gone.get(id) ?? table?.gone.get(`name:${id.toLowerCase()}`);
  }

  /** Live channels of a server, oldest first. */
  list(server: string): ChannelInfo[] {
    const table = this.#servers.get(server);
    return table ? [...table.channels.values()].sort((a, b) => a.createdAt - b.createdAt) : [];
  }

  /** The other channels in the bridge `uniqueid` is in. */
  bridgePeers(server: string, uniqueid: string): ChannelInfo[] {
    const table = this.#servers.get(server);
    const bridgeId = table?.channels.get(uniqueid)?.bridgeId;
    if (!table || bridgeId === undefined) return [];
    return [...(table.bridges.get(bridgeId) ?? [])].filter((id) => id !== uniqueid).map((id) => table.channels.get(id)!).filter(Boolean);
  }

  /** Uniqueids of the channels in a bridge. */
  bridgeMembers(server: string, bridgeId: string): string[] {
    return [...(this.#servers.get(server)?.bridges.get(bridgeId) ?? [])];
  }
}
