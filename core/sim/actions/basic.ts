/** Ping, UserEvent, CoreSettings, CoreStatus, Getvar and Setvar. */
import type { ActionContext } from "../action-context.ts";
import { cdrClock, cdrDate, pingTimestamp } from "../clock.ts";
import { globalVarSet, varSet } from "../events.ts";

/** `Action: Ping` → `Ping: Pong` and a `sec.usec` Timestamp. */
export function ping(ctx: ActionContext): void {
  ctx.respond("Success", [["Ping", "Pong"], ["Timestamp", pingTimestamp()]]);
}

/** `Action: UserEvent`: every header but Action and UserEvent is copied, ActionID included. */
export function userEvent(ctx: ActionContext): void {
  const body = ctx.message.headers.filter(([key]) => {
    const lower = key.toLowerCase();
    return lower !== "action" && lower !== "userevent";
  });
  ctx.success();
  ctx.pbx.publish([["Event", "UserEvent"], ["Privilege", "user,all"], ["UserEvent", ctx.header("UserEvent")], ...body]);
}

/** `Action: CoreSettings`, as command.raw shows it. */
export function coreSettings(ctx: ActionContext): void {
  ctx.success(undefined, [
    ["AMIversion", ctx.pbx.amiVersion],
    ["AsteriskVersion", ctx.pbx.asteriskVersion],
    ["SystemName", ""],
    ["CoreMaxCalls", "0"],
    ["CoreMaxLoadAvg", "0.000000"],
    ["CoreRunUser", "root"],
    ["CoreRunGroup", "root"],
    ["CoreMaxFilehandles", "0"],
    ["CoreRealTimeEnabled", "No"],
    ["CoreCDRenabled", "Yes"],
    ["CoreHTTPenabled", "Yes"],
    ["SoundsSearchCustomDir", "No"],
  ]);
}

/** `Action: CoreStatus`: start time (UTC) and call counters. */
export function coreStatus(ctx: ActionContext): void {
  const started = new Date(ctx.pbx.startedAt);
  ctx.success(undefined, [
    ["CoreStartupDate", cdrDate(started)],
    ["CoreStartupTime", cdrClock(started)],
    ["CoreReloadDate", cdrDate(started)],
    ["CoreReloadTime", cdrClock(started)],
    ["CoreCurrentCalls", String(ctx.pbx.calls.currentCalls)],
    ["CoreProcessedCalls", String(ctx.pbx.calls.processedCalls)],
  ]);
}

/** `Action: Getvar`: a global, or a channel variable when `Channel` is given. */
export function getvar(ctx: ActionContext): void {
  const variable = ctx.header("Variable");
  if (variable === "") {
    ctx.error("No variable specified");
    return;
  }
  const channelName = ctx.header("Channel");
  let value: string;
  if (channelName !== "") {
    const channel = ctx.pbx.calls.channels.find(channelName);
    if (!channel) {
      ctx.error("No such channel");
      return;
    }
    value = channel.variables.get(variable) ?? "";
  } else {
    value = ctx.pbx.globals.get(variable) ?? "";
  }
  ctx.success(undefined, [["Variable", variable], ["Value", value]]);
}

/** `Action: Setvar`: sets a global or a channel variable, then VarSet is broadcast. */
export function setvar(ctx: ActionContext): void {
  const variable = ctx.header("Variable");
  if (variable === "") {
    ctx.error("No variable specified");
    return;
  }
  const value = ctx.header("Value");
  const channelName = ctx.header("Channel");
  if (channelName !== "") {
    const channel = ctx.pbx.calls.channels.find(channelName);
    if (!channel) {
      ctx.error("No such channel");
      return;
    }
    channel.variables.set(variable, value);
    ctx.success("Variable Set");
    ctx.pbx.publish(varSet(channel, variable, value));
    return;
  }
  ctx.pbx.globals.set(variable, value);
  ctx.success("Variable Set");
  ctx.pbx.publish(globalVarSet(variable, value));
}
