/**
 * The checks Asterisk's process_message makes before an action runs, in its order: input
 * limits, a missing Action, shutting down, login required, unknown action, write permission.
 */
import { AmiError } from "../errors.ts";
import type { AmiMessage } from "../message.ts";
import { ActionContext } from "./action-context.ts";
import type { ActionSpec, PbxState } from "./action-context.ts";
import { requestBadFormat, requestNotAllowed } from "./security-events.ts";
import type { ManagerSession } from "./manager-session.ts";

/** Longest input line Asterisk reads, CRLF included. */
const MAX_LINE_BYTES = 1024;
/** Most headers in one action (`AST_MAX_MANHEADERS`). */
const MAX_HEADERS = 128;
/** Actions allowed before login. */
const BEFORE_LOGIN = new Set(["login", "challenge", "logoff"]);

const LINE_TOO_LONG = "Failed to parse message: line too long";
const TOO_MANY_LINES = "Too many lines in message or allocation failure";

const utf8 = new TextEncoder();

/** Answers what the decoder could not parse; there is no ActionID to echo. */
function decodeFailure(session: ManagerSession, error: AmiError): void {
  session.send([["Response", "Error"], ["Message", error.code === "LINE_TOO_LONG" ? LINE_TOO_LONG : TOO_MANY_LINES]]);
}

/** Whether a header line would overflow Asterisk's 1024-byte input buffer. */
function lineTooLong(message: AmiMessage): boolean {
  for (const [key, value] of message.headers) {
    const length = key.length + value.length + 4;
    if (length > MAX_LINE_BYTES / 3 && utf8.encode(`${key}: ${value}\r\n`).length > MAX_LINE_BYTES) return true;
  }
  return false;
}

/** Routes each action of a session to its handler. */
export async function dispatch(session: ManagerSession, input: AmiMessage | AmiError, pbx: PbxState, actions: ReadonlyMap<string, ActionSpec>): Promise<void> {
  if (input instanceof AmiError) return decodeFailure(session, input);
  const ctx = new ActionContext(input, session, pbx);
  if (input.size > MAX_HEADERS) return ctx.error(TOO_MANY_LINES);
  // Over HTTP a parameter is no input line: Asterisk takes it whatever its length.
  if (session.kind === "tcp" && lineTooLong(input)) return ctx.error(LINE_TOO_LONG);
  const action = ctx.header("Action").trim();
  if (action === "") {
    ctx.error("Missing action in request");
    pbx.publish(requestBadFormat(session, session.username, "NONE"));
    return;
  }
  if (pbx.shuttingDown()) return ctx.error("Asterisk is shutting down");
  const lower = action.toLowerCase();
  if (!session.authenticated && !BEFORE_LOGIN.has(lower)) {
    ctx.error("Permission denied");
    pbx.publish(requestNotAllowed(session, session.username, action));
    return;
  }
  const spec = actions.get(lower);
  if (!spec) {
    ctx.error(`Invalid/unknown command: ${action}. Use Action: ListCommands to show available commands.`);
    pbx.publish(requestBadFormat(session, session.username, `Action: ${action}`));
    return;
  }
  if (spec.privileges !== 0 && ((session.user?.writeMask ?? 0) & spec.privileges) === 0) {
    ctx.error("Permission denied");
    pbx.publish(requestNotAllowed(session, session.username, action));
    return;
  }
  await spec.run(ctx);
}
