/**
 * Names for the numbers AMI reports: hangup causes (Q.850, as Asterisk's `main/channel.c` words
 * them in `Cause-txt`) and the `Reason` of an OriginateResponse, which is the last control frame
 * the outgoing channel saw (`AST_CONTROL_*` of `include/asterisk/frame.h`, set in
 * `__ast_request_and_dial`: a timeout while ringing counts as 3, a busy cause as 5 …).
 */

/** `Cause-txt` by cause code, from Asterisk's `causes[]` table. */
const CAUSE_TEXT: Readonly<Record<number, string>> = {
  0: "Unknown",
  1: "Unallocated (unassigned) number",
  2: "No route to specified transmit network",
  3: "No route to destination",
  5: "Misdialed trunk prefix",
  6: "Channel unacceptable",
  7: "Call awarded and being delivered in an established channel",
  8: "Pre-empted",
  14: "Number ported elsewhere",
  16: "Normal Clearing",
  17: "User busy",
  18: "No user responding",
  19: "User alerting, no answer",
  20: "Subscriber absent",
  21: "Call Rejected",
  22: "Number changed",
  23: "Redirected to new destination",
  26: "Answered elsewhere",
  27: "Destination out of order",
  28: "Invalid number format",
  29: "Facility rejected",
  30: "Response to STATus ENQuiry",
  31: "Normal, unspecified",
  34: "Circuit/channel congestion",
  38: "Network out of order",
  41: "Temporary failure",
  42: "Switching equipment congestion",
  43: "Access information discarded",
  44: "Requested channel not available",
  50: "Facility not subscribed",
  52: "Outgoing call barred",
  54: "Incoming call barred",
  57: "Bearer capability not authorized",
  58: "Bearer capability not available",
  65: "Bearer capability not implemented",
  66: "Channel not implemented",
  69: "Facility not implemented",
  81: "Invalid call reference value",
  88: "Incompatible destination",
  95: "Invalid message unspecified",
  96: "Mandatory information element is missing",
  97: "Message type nonexist.",
  98: "Wrong message",
  99: "Info. element nonexist or not implemented",
  100: "Invalid information element contents",
  101: "Message not compatible with call state",
  102: "Recover on timer expiry",
  103: "Mandatory IE length error",
  111: "Protocol error, unspecified",
  127: "Interworking, unspecified",
};

/** The text Asterisk gives a hangup cause (`Unknown` for codes it has no words for). */
export function hangupCauseText(cause: number): string {
  return CAUSE_TEXT[cause] ?? "Unknown";
}

/** Largest hangup cause Asterisk accepts (Q.850 codes are 7 bits). */
export const MAX_HANGUP_CAUSE = 127;

/** What an OriginateResponse's `Reason` means, by code. */
const REASON_NAMES: Readonly<Record<number, string>> = {
  0: "failed",
  1: "hangup",
  2: "ring",
  3: "no-answer",
  4: "answered",
  5: "busy",
  8: "congestion",
  14: "progress",
};

/** Names every {@link originateReasonName} may return, for documentation. */
export const ORIGINATE_REASONS: readonly string[] = Object.values(REASON_NAMES);

/**
 * The name of an OriginateResponse `Reason`: 0 failed (no channel could be made), 1 hangup (it
 * hung up before answering), 3 no-answer (it rang until the Timeout), 4 answered, 5 busy,
 * 8 congestion; an unknown code is `reason-<n>`.
 */
export function originateReasonName(reason: number): string {
  return REASON_NAMES[reason] ?? `reason-${reason}`;
}

/** The reason a hangup cause suggests for a call that never answered (used before, or without, an OriginateResponse). */
export function reasonForCause(cause: number): string {
  switch (cause) {
    case 17:
      return "busy";
    case 18:
    case 19:
      return "no-answer";
    case 21:
      return "rejected";
    case 34:
    case 42:
      return "congestion";
    default:
      return "failed";
  }
}
