/**
 * Which headers the console shows for each event type: the ones that say what happened. Other
 * types get their first few headers (see {@link GENERIC_SKIPPED}), so no row is ever empty.
 */

/** Headers by event name, in display order; a header the event lacks (or leaves empty) is left out. */
export const EVENT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Newchannel: ["Channel", "CallerIDNum", "CallerIDName", "Context", "Exten", "ChannelStateDesc"],
  Newstate: ["Channel", "ChannelStateDesc", "ConnectedLineNum", "ConnectedLineName"],
  Newexten: ["Channel", "Context", "Extension", "Priority", "Application", "AppData"],
  NewCallerid: ["Channel", "CallerIDNum", "CallerIDName"],
  NewConnectedLine: ["Channel", "ConnectedLineNum", "ConnectedLineName"],
  NewAccountCode: ["Channel", "AccountCode", "OldAccountCode"],
  Rename: ["Channel", "Newname"],
  VarSet: ["Channel", "Variable", "Value"],
  HangupRequest: ["Channel", "Cause"],
  SoftHangupRequest: ["Channel", "Cause"],
  Hangup: ["Channel", "CallerIDNum", "Cause", "Cause-txt"],
  DialBegin: ["Channel", "DestChannel", "DialString", "DestCallerIDNum"],
  DialEnd: ["Channel", "DestChannel", "DialStatus"],
  DialState: ["Channel", "DestChannel", "DialStatus"],
  DeviceStateChange: ["Device", "State"],
  ExtensionStatus: ["Exten", "Context", "StatusText"],
  PeerStatus: ["Peer", "PeerStatus", "Cause"],
  ContactStatus: ["URI", "AOR", "ContactStatus"],
  LocalBridge: ["LocalOneChannel", "LocalTwoChannel", "Context", "Exten"],
  BridgeCreate: ["BridgeUniqueid", "BridgeType"],
  BridgeEnter: ["Channel", "BridgeUniqueid", "BridgeNumChannels"],
  BridgeLeave: ["Channel", "BridgeUniqueid", "BridgeNumChannels"],
  BridgeDestroy: ["BridgeUniqueid"],
  OriginateResponse: ["Response", "Channel", "Reason", "Context", "Exten", "Application", "Data"],
  Cdr: ["Channel", "Source", "Destination", "DestinationContext", "Disposition", "Duration", "BillableSeconds"],
  DTMFBegin: ["Channel", "Digit", "Direction"],
  DTMFEnd: ["Channel", "Digit", "Direction", "DurationMs"],
  Hold: ["Channel", "MusicClass"],
  Unhold: ["Channel"],
  MusicOnHoldStart: ["Channel", "Class"],
  MusicOnHoldStop: ["Channel"],
  QueueCallerJoin: ["Queue", "Channel", "CallerIDNum", "Position"],
  QueueCallerLeave: ["Queue", "Channel", "Position"],
  QueueCallerAbandon: ["Queue", "Channel", "Position", "HoldTime"],
  QueueMemberStatus: ["Queue", "MemberName", "Status", "Paused"],
  QueueMemberPause: ["Queue", "MemberName", "Paused", "PausedReason"],
  AgentCalled: ["Queue", "Channel", "DestChannel", "MemberName"],
  AgentConnect: ["Queue", "Channel", "DestChannel", "MemberName", "HoldTime"],
  AgentComplete: ["Queue", "Channel", "MemberName", "TalkTime", "Reason"],
  AgentRingNoAnswer: ["Queue", "Channel", "MemberName", "RingTime"],
  AgentLogin: ["Agent", "Channel"],
  AgentLogoff: ["Agent", "Logintime"],
  UserEvent: ["UserEvent", "Channel"],
  FullyBooted: ["Status", "Uptime"],
  SuccessfulAuth: ["AccountID", "RemoteAddress", "Service"],
  InvalidPassword: ["AccountID", "RemoteAddress", "Service"],
  ChallengeResponseFailed: ["AccountID", "RemoteAddress"],
  Reload: ["Module", "Status"],
};

/** Headers the generic fallback passes over: the event's own name, its classes, and ids nobody reads in a tail. */
export const GENERIC_SKIPPED: readonly string[] = ["Event", "Privilege", "ActionID", "Language", "Linkedid", "SequenceNumber", "File", "Line", "Func", "EventTV", "EventVersion"];

/** How many headers the generic fallback shows. */
export const GENERIC_COUNT = 4;

/** Values that carry no information: shown by Asterisk for an unset caller id or account. */
export const EMPTY_VALUES: readonly string[] = ["", "<unknown>"];
