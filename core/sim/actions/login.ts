/** Login, Challenge, Logoff and Events: the actions that manage the session itself. */
import { md5Hex } from "../../md5.ts";
import type { ActionContext } from "../action-context.ts";
import { CLASS_BITS, parseEventMask } from "../permissions.ts";
import { loginRefused, successfulAuth } from "../security-events.ts";

/** `Action: Login`, plain (`Secret`) or after a Challenge (`AuthType: MD5`, `Key`). */
export async function login(ctx: ActionContext): Promise<void> {
  const { session, pbx } = ctx;
  if (session.authenticated) {
    ctx.success("Already authenticated");
    return;
  }
  const username = ctx.header("Username");
  const user = pbx.users.find(username);
  let refusal: "InvalidAccountID" | "InvalidPassword" | "ChallengeResponseFailed" | undefined;
  if (!user) {
    refusal = "InvalidAccountID";
  } else if (ctx.header("AuthType").toLowerCase() === "md5") {
    const key = ctx.header("Key");
    if (!session.challenge || key === "" || key !== md5Hex(session.challenge + user.secret)) refusal = "ChallengeResponseFailed";
  } else if (ctx.header("Secret") !== user.secret) {
    refusal = "InvalidPassword";
  }
  if (refusal || !user) {
    // Asterisk reports the attempt, sleeps a second, answers, then hangs up (errors-bad-password.raw).
    pbx.publish(loginRefused(refusal ?? "InvalidAccountID", session, username));
    await pbx.sleep(pbx.authFailureDelayMs);
    ctx.error("Authentication failed");
    await session.close("auth-failed");
    return;
  }
  const events = ctx.message.get("Events");
  if (events !== undefined) session.eventMask = parseEventMask(events);
  session.accept(user);
  ctx.success("Authentication accepted");
  const system = CLASS_BITS.system!;
  // Over HTTP the login's answer carries no FullyBooted (http-rawman.txt).
  if (session.kind === "tcp" && (user.readMask & system) !== 0 && (session.eventMask & system) !== 0) {
    const uptime = String(Math.floor((Date.now() - pbx.startedAt) / 1000));
    session.send([
      ["Event", "FullyBooted"],
      ["Privilege", "system,all"],
      ["Uptime", uptime],
      ["LastReload", uptime],
      ["Status", "Fully Booted"],
    ]);
  }
  pbx.publish(successfulAuth(session, user.username));
}

/** `Action: Challenge` with `AuthType: MD5`: a number to hash with the secret. */
export function challenge(ctx: ActionContext): void {
  if (ctx.header("AuthType").toLowerCase() !== "md5") {
    ctx.error("Must specify AuthType");
    return;
  }
  ctx.session.challenge ??= String(crypto.getRandomValues(new Uint32Array(1))[0]! % 1_000_000_000);
  ctx.success(undefined, [["Challenge", ctx.session.challenge]]);
}

/** `Action: Logoff`: Goodbye, then the server closes the connection. */
export async function logoff(ctx: ActionContext): Promise<void> {
  ctx.respond("Goodbye", [["Message", "Thanks for all the fish."]]);
  await ctx.session.close("logoff");
}

/** `Action: Events` with `EventMask: on|off|<classes>`. */
export function events(ctx: ActionContext): void {
  const mask = ctx.header("EventMask");
  if (mask.trim() === "") {
    ctx.error("Invalid event mask");
    return;
  }
  ctx.session.eventMask = parseEventMask(mask);
  ctx.respond("Success", [["Events", ctx.session.eventMask === 0 ? "Off" : "On"]]);
}
