import type { ActionInput } from "../encoder.ts";
import { AmiError } from "../errors.ts";
import { md5Hex } from "../md5.ts";
import type { ActionResult, } from "./pending.ts";

type Send = (action: ActionInput, options: { timeoutMs?: number }) => Promise<ActionResult>;

/** What {@link login} needs from the client options. */
export interface LoginOptions {
  username: string;
  secret: string;
  auth?: "plain" | "md5";
  events?: "on" | "off" | readonly string[];
}

function eventsHeader(events: LoginOptions["events"]): string {
  if (events === undefined) return "on";
  return typeof events === "string" ? events : events.join(",");
}

/**
 * Logs in, plainly or with an MD5 challenge (`Key` = md5(challenge + secret), so the secret
 * never crosses the wire). Resolves with nothing; rejects with AUTH_FAILED naming the user and
 * Asterisk's message, never the secret.
 */
export async function login(send: Send, options: LoginOptions, timeoutMs: number): Promise<void> {
  const action: Record<string, string> = { Action: "Login", Username: options.username };
  if (options.auth === "md5") {
    const challenge = await send({ Action: "Challenge", AuthType: "MD5" }, { timeoutMs });
    const value = challenge.response.get("Challenge");
    if (!challenge.ok || !value) {
      throw new AmiError("AUTH_FAILED", `expected a Challenge for MD5 login of user "${options.username}", got Response: ${challenge.response.name} (${challenge.response.get("Message") ?? "no message"})`);
    }
    action.AuthType = "MD5";
    action.Key = md5Hex(value + options.secret);
  } else {
    action.Secret = options.secret;
  }
  action.Events = eventsHeader(options.events);
  const result = await send(action as ActionInput, { timeoutMs });
  if (!result.ok) {
    throw new AmiError("AUTH_FAILED", `Asterisk refused the login of user "${options.username}": ${result.response.get("Message") ?? result.response.name}`);
  }
}
