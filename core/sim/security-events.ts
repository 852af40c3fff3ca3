/**
 * Security events (class `security`) that AMI raises about its own sessions, header for header
 * as captured (SuccessfulAuth, RequestNotAllowed, RequestBadFormat). InvalidAccountID,
 * InvalidPassword and ChallengeResponseFailed were not captured: they use the common fields only.
 */
import { eventTimeValue } from "./clock.ts";
import type { Pairs } from "./events.ts";

/** Who a security event is about. */
export interface SessionIdentity {
  /** `0x7fb5d40011a0`: Asterisk prints the session's address. */
  readonly sessionId: string;
  /** `IPV4/TCP/127.0.0.1/5038` */
  readonly localAddress: string;
  /** `IPV4/TCP/127.0.0.1/33138` */
  readonly remoteAddress: string;
  /** When the connection was accepted, in ms since the epoch. */
  readonly startedAt: number;
}

function head(severity: string, now: number): Pairs {
  return [
    ["EventTV", eventTimeValue(now)],
    ["Severity", severity],
    ["Service", "AMI"],
    ["EventVersion", "1"],
  ];
}

function where(session: SessionIdentity): Pairs {
  return [
    ["SessionID", session.sessionId],
    ["LocalAddress", session.localAddress],
    ["RemoteAddress", session.remoteAddress],
  ];
}

/** A login was accepted. */
export function successfulAuth(session: SessionIdentity, accountId: string, now = Date.now()): Pairs {
  return [
    ["Event", "SuccessfulAuth"],
    ["Privilege", "security,all"],
    ...head("Informational", now),
    ["AccountID", accountId],
    ...where(session),
    ["UsingPassword", "0"],
    ["SessionTV", eventTimeValue(session.startedAt)],
  ];
}

/** An action the session may not send (`RequestType: Action: Originate`). */
export function requestNotAllowed(session: SessionIdentity, accountId: string, action: string, now = Date.now()): Pairs {
  return [
    ["Event", "RequestNotAllowed"],
    ["Privilege", "security,all"],
    ...head("Error", now),
    ["AccountID", accountId],
    ...where(session),
    ["RequestType", `Action: ${action}`],
    ["SessionTV", eventTimeValue(session.startedAt)],
  ];
}

/** An unknown action or a message without one (`RequestType: NONE`). */
export function requestBadFormat(session: SessionIdentity, accountId: string, requestType: string, now = Date.now()): Pairs {
  return [
    ["Event", "RequestBadFormat"],
    ["Privilege", "security,all"],
    ...head("Error", now),
    ...where(session),
    ["RequestType", requestType],
    ["SessionTV", eventTimeValue(session.startedAt)],
    ["AccountID", accountId],
  ];
}

/** A refused login: `InvalidAccountID`, `InvalidPassword` or `ChallengeResponseFailed`. */
export function loginRefused(
  name: "InvalidAccountID" | "InvalidPassword" | "ChallengeResponseFailed",
  session: SessionIdentity,
  accountId: string,
  now = Date.now(),
): Pairs {
  return [
    ["Event", name],
    ["Privilege", "security,all"],
    ...head("Error", now),
    ["AccountID", accountId],
    ...where(session),
    ["SessionTV", eventTimeValue(session.startedAt)],
  ];
}
