import type { ActionInput } from "../encoder.ts";
import { AmiError, preview } from "../errors.ts";
import { md5Hex } from "../md5.ts";
import type { ActionResult } from "./pending.ts";

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
 * The one answer of Asterisk's Login that means the credentials are wrong (manager.c
 * action_login: unknown user, wrong secret or key, an ACL that denies the address, no Username).
 */
const WRONG_CREDENTIALS = "authentication failed";

/**
 * The error for a refused Challenge or Login. Only `Authentication failed` is AUTH_FAILED (retried
 * slowly, if at all: the same secret fails again). Every other refusal is LOGIN_REFUSED, retried
 * like any transient failure. Asterisk sends, before the action even runs (process_message):
 * `Asterisk is shutting down` (to every action while it stops, the session stays open),
 * `Login Already In Use` (the account has `allowmultiplelogin = no` and a session; a second later
 * it hangs up), and while modules unload `Permission denied` or `Invalid/unknown command: Login`.
 */
function refusal(step: "Challenge" | "Login", username: string, message: string | undefined, status: string): AmiError {
  const said = message ?? `Response: ${status}`;
  if (step === "Login" && said.trim().toLowerCase() === WRONG_CREDENTIALS) {
    return new AmiError("AUTH_FAILED", `Asterisk refused the login of user "${username}": ${said}`);
  }
  return new AmiError("LOGIN_REFUSED", `expected Asterisk to accept the ${step} of user "${username}", got ${preview(said, 120)} (a refusal, not a wrong secret)`);
}

/**
 * Logs in, plainly or with an MD5 challenge (`Key` = md5(challenge + secret), so the secret
 * never crosses the wire). Resolves with nothing; rejects with AUTH_FAILED for wrong credentials
 * and LOGIN_REFUSED for any other refusal, naming the user and Asterisk's message, never the secret.
 */
export async function login(send: Send, options: LoginOptions, timeoutMs: number): Promise<void> {
  const action: Record<string, string> = { Action: "Login", Username: options.username };
  if (options.auth === "md5") {
    const challenge = await send({ Action: "Challenge", AuthType: "MD5" }, { timeoutMs });
    const value = challenge.response.get("Challenge");
    if (!challenge.ok) throw refusal("Challenge", options.username, challenge.response.get("Message"), challenge.response.name);
    if (!value) {
      throw new AmiError("LOGIN_REFUSED", `expected a Challenge header in the answer to the MD5 Challenge of user "${options.username}", got Response: ${challenge.response.name} without one`);
    }
    action.AuthType = "MD5";
    action.Key = md5Hex(value + options.secret);
  } else {
    action.Secret = options.secret;
  }
  action.Events = eventsHeader(options.events);
  const result = await send(action as ActionInput, { timeoutMs });
  if (!result.ok) throw refusal("Login", options.username, result.response.get("Message"), result.response.name);
}
