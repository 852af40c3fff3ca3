/** The HTTP problems of the actions route: refused policy, unready upstreams and failed round trips. */
import { HttpProblem } from "../../core/bridge/problem.ts";
import type { Upstream } from "../../core/bridge/upstream.ts";
import type { AmiError } from "../../core/errors.ts";

/** Seconds a client should wait before retrying an unready upstream. */
const RETRY_AFTER_SECONDS = "2";

/** What Asterisk answers to an action it does not know. */
export function isUnknownCommand(message: string | undefined): boolean {
  return message !== undefined && message.toLowerCase().startsWith("invalid/unknown command");
}

/** 403: the token may not send this (refusal is actionRefusal's or maySeeServer's text). */
export function forbidden(detail: string, field: string): HttpProblem {
  return new HttpProblem(403, detail, { extras: { field } });
}

/** 503 with Retry-After and the upstream's state. */
export function unavailable(upstream: Upstream): HttpProblem {
  const state = upstream.client.state;
  return new HttpProblem(503, `expected upstream ${upstream.name} to be ready, got state ${state}; nothing was sent`, {
    extras: { field: "server", server: upstream.name, state },
    headers: { "retry-after": RETRY_AFTER_SECONDS },
  });
}

/** 400 for an action Asterisk does not know. */
export function unknownAction(action: string, server: string): HttpProblem {
  return new HttpProblem(400, `unknown action ${action} on server ${server}`, { extras: { field: "action", server } });
}

/** The field an encoder INVALID_ACTION message is about (`header "X" …`), else the body. */
function encoderField(message: string): string {
  const header = /^header "([^"]*)"/.exec(message)?.[1];
  if (header === undefined) return "body";
  return header.toLowerCase() === "action" ? "action" : header;
}

/** The problem for a refused or failed send; undefined for errors that are the bridge's own fault. */
export function problemForAmiError(error: AmiError, server: string, action: string): HttpProblem | undefined {
  const extras = { server };
  switch (error.code) {
    case "INVALID_ACTION":
      return new HttpProblem(400, error.message, { extras: { ...extras, field: encoderField(error.message) } });
    case "ACTION_TIMEOUT":
      return new HttpProblem(504, `upstream ${server} did not answer ${action} in time (${error.message}); it may still run`, { extras, cause: error });
    case "CONNECTION_LOST":
      return new HttpProblem(502, `the connection to upstream ${server} was lost before ${action} was answered; it was not re-sent and may or may not have run`, { extras, cause: error });
    case "RESPONSE_TOO_LARGE":
      return new HttpProblem(502, `upstream ${server} answered ${action} with more than the client takes (${error.message}); it did run`, { extras, cause: error });
    case "TOO_MANY_PENDING":
      return new HttpProblem(503, `upstream ${server} has too many actions in flight (${error.message})`, { extras, headers: { "retry-after": "1" }, cause: error });
    case "NOT_CONNECTED":
    case "CLOSED":
    case "ABORTED":
      return new HttpProblem(503, `upstream ${server} could not take ${action}: ${error.message}`, { extras, headers: { "retry-after": RETRY_AFTER_SECONDS }, cause: error });
    default:
      return undefined;
  }
}

/** Metric outcome label of a failed send. */
export function outcomeOf(error: AmiError): string {
  switch (error.code) {
    case "ACTION_TIMEOUT":
      return "timeout";
    case "CONNECTION_LOST":
      return "connection_lost";
    case "INVALID_ACTION":
      return "invalid";
    case "RESPONSE_TOO_LARGE":
      return "too_large";
    case "TOO_MANY_PENDING":
    case "NOT_CONNECTED":
    case "CLOSED":
    case "ABORTED":
      return "unavailable";
    default:
      return "failed";
  }
}
