/** Hangup, CoreShowChannels, Status and Redirect: actions on the simulation's live channels. */
import type { ActionContext } from "../action-context.ts";
import type { SimChannel } from "../channels.ts";
import { hoursMinutesSeconds } from "../clock.ts";
import { snapshot } from "../events.ts";

/** Cause used when a Hangup action gives none. */
const DEFAULT_CAUSE = 16;

function hangupCause(text: string): number {
  if (text.trim() === "") return DEFAULT_CAUSE;
  // Asterisk logs a bad cause and hangs up with cause 0 rather than refusing.
  return /^\d+$/.test(text.trim()) && Number(text) <= 127 ? Number(text) : 0;
}

/** `Action: Hangup` of one channel, or of every channel matching `/regex/` (as a list). */
export function hangup(ctx: ActionContext): void {
  const name = ctx.header("Channel");
  if (name === "") return ctx.error("No channel specified");
  const cause = hangupCause(ctx.header("Cause"));
  const { calls } = ctx.pbx;
  if (name.length >= 2 && name.startsWith("/") && name.endsWith("/")) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(name.slice(1, -1));
    } catch {
      return ctx.error(`Regex compile failed on: ${name.slice(1, -1)}`);
    }
    const matched = calls.channels.list().filter((channel) => pattern.test(channel.name));
    ctx.listStart("Channels hung up will follow");
    for (const channel of matched) ctx.session.send([["Event", "ChannelHungup"], ["Channel", channel.name], ...ctx.idPairs()]);
    ctx.listComplete("ChannelsHungupListComplete", matched.length);
    for (const channel of matched) calls.hangup(channel, cause);
    return;
  }
  const channel = calls.channels.find(name);
  if (!channel) return ctx.error("No such channel");
  ctx.success("Channel Hungup");
  calls.hangup(channel, cause);
}

function age(channel: SimChannel, now: number): number {
  return Math.floor((now - channel.createdAt) / 1000);
}

/** `Action: CoreShowChannels`: one CoreShowChannel per live channel (coreshowchannels.raw). */
export function coreShowChannels(ctx: ActionContext): void {
  const channels = ctx.pbx.calls.channels.list();
  const now = Date.now();
  ctx.listStart("Channels will follow");
  for (const channel of channels) {
    ctx.session.send([
      ["Event", "CoreShowChannel"],
      ...ctx.idPairs(),
      ...snapshot(channel),
      ["Application", channel.application],
      ["ApplicationData", channel.appData],
      ["Duration", hoursMinutesSeconds(age(channel, now))],
      ["BridgeId", channel.bridgeId ?? ""],
    ]);
  }
  ctx.listComplete("CoreShowChannelsComplete", channels.length);
}

/** `Action: Status` of every channel, or of `Channel` only. */
export function status(ctx: ActionContext): void {
  const name = ctx.header("Channel");
  let channels = ctx.pbx.calls.channels.list();
  if (name !== "") {
    const channel = ctx.pbx.calls.channels.find(name);
    if (!channel) return ctx.error("No such channel");
    channels = [channel];
  }
  const now = Date.now();
  ctx.listStart("Channel status will follow");
  for (const channel of channels) {
    ctx.session.send([
      ["Event", "Status"],
      ["Privilege", "Call"],
      ...snapshot(channel),
      ["Type", channel.name.slice(0, channel.name.indexOf("/"))],
      ["DNID", ""],
      ["EffectiveConnectedLineNum", channel.connectedNum],
      ["EffectiveConnectedLineName", channel.connectedName],
      ["TimeToHangup", "0"],
      ["BridgeID", channel.bridgeId ?? ""],
      ["Application", channel.application],
      ["Data", channel.appData],
      ["Nativeformats", "(slin)"],
      ["Readformat", "slin"],
      ["Readtrans", ""],
      ["Writeformat", "slin"],
      ["Writetrans", ""],
      ["Callgroup", "0"],
      ["Pickupgroup", "0"],
      ["Seconds", String(age(channel, now))],
      ...ctx.idPairs(),
    ]);
  }
  ctx.listComplete("StatusComplete", channels.length, [["Items", String(channels.length)]]);
}

/** `Action: Redirect`: moves a channel (and `ExtraChannel`) to a new dialplan location, with the events of redirect.ts. */
export function redirect(ctx: ActionContext): void {
  const name = ctx.header("Channel");
  if (name === "") return ctx.error("Channel not specified");
  const context = ctx.header("Context");
  const exten = ctx.header("Exten");
  const priority = ctx.header("Priority").trim();
  if (context === "") return ctx.error("Context not specified");
  if (exten === "") return ctx.error("Exten not specified");
  if (priority === "") return ctx.error("Priority not specified");
  if (!/^\d+$/.test(priority)) return ctx.error("Invalid priority");
  const { channels } = ctx.pbx.calls;
  const channel = channels.find(name);
  if (!channel) return ctx.error(`Channel does not exist: ${name}`);
  const extraName = ctx.header("ExtraChannel");
  const extra = extraName === "" ? undefined : channels.find(extraName);
  if (extraName !== "" && !extra) return ctx.error(`ExtraChannel does not exist: ${extraName}`);
  const moves = [{ channel, context, exten, priority: Number(priority) }];
  if (extra) {
    const extraPriority = ctx.header("ExtraPriority").trim();
    moves.push({ channel: extra, context: ctx.header("ExtraContext") || context, exten: ctx.header("ExtraExten") || exten, priority: /^\d+$/.test(extraPriority) ? Number(extraPriority) : Number(priority) });
  }
  ctx.success("Redirect successful");
  ctx.pbx.calls.redirect(moves);
}
