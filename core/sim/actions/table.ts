/** Every action the simulated PBX answers, with the write classes Asterisk requires for it. */
import type { ActionContext, ActionSpec } from "../action-context.ts";
import { CLASS_BITS } from "../permissions.ts";
import { coreSettings, coreStatus, getvar, ping, setvar, userEvent } from "./basic.ts";
import { coreShowChannels, hangup, redirect, status } from "./channels.ts";
import { command } from "./command.ts";
import { challenge, events, login, logoff } from "./login.ts";
import { originate } from "./originate.ts";
import { waitEvent } from "./waitevent.ts";

const { system, call, command: commandClass, reporting, originate: originateClass, user } = CLASS_BITS as Record<string, number>;

/** Names of the classes in `mask`, as `authority_to_str` prints them (`<none>` for 0). */
export function classNames(mask: number): string {
  const names = Object.entries(CLASS_BITS).filter(([, bit]) => (mask & bit) !== 0).map(([name]) => name);
  return names.length === 0 ? "<none>" : names.join(",");
}

function spec(name: string, synopsis: string, privileges: number, run: ActionSpec["run"]): ActionSpec {
  return { name, synopsis, privileges, run };
}

/** `Action: ListCommands`: one `Name: Synopsis (Priv: classes)` header per action. */
function listCommands(ctx: ActionContext): void {
  ctx.success(
    undefined,
    ACTIONS.map((action): [string, string] => [action.name, `${action.synopsis} (Priv: ${classNames(action.privileges)})`]),
  );
}

/** The actions, in ListCommands order. */
export const ACTIONS: readonly ActionSpec[] = [
  spec("Challenge", "Generate Challenge for MD5 Auth.", 0, challenge),
  spec("Command", "Execute Asterisk CLI Command.", commandClass!, command),
  spec("CoreSettings", "Show PBX core settings (version etc).", system! | reporting!, coreSettings),
  spec("CoreShowChannels", "List currently active channels.", system! | reporting!, coreShowChannels),
  spec("CoreStatus", "Show PBX core status variables.", system! | reporting!, coreStatus),
  spec("Events", "Control Event Flow.", 0, events),
  spec("Getvar", "Gets a channel variable or function value.", call! | reporting!, getvar),
  spec("Hangup", "Hangup channel.", system! | call!, hangup),
  spec("ListCommands", "List available manager commands.", 0, listCommands),
  spec("Login", "Login Manager.", 0, login),
  spec("Logoff", "Logoff Manager.", 0, logoff),
  spec("Originate", "Originate a call.", originateClass!, originate),
  spec("Ping", "Keepalive command.", 0, ping),
  spec("Redirect", "Redirect (transfer) a call.", call!, redirect),
  spec("Setvar", "Sets a channel variable or function value.", call!, setvar),
  spec("Status", "List channel status.", system! | call! | reporting!, status),
  spec("UserEvent", "Send an arbitrary event.", user!, userEvent),
  spec("WaitEvent", "Wait for an event to occur.", 0, waitEvent),
];

/** The actions by lower-case name: action names are case-insensitive. */
export const ACTIONS_BY_NAME: ReadonlyMap<string, ActionSpec> = new Map(ACTIONS.map((action) => [action.name.toLowerCase(), action]));
