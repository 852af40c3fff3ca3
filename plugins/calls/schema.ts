/**
 * Valibot schemas of the calls plugin: they validate requests and, through the `openapi` plugin,
 * describe them. The call request covers the headers of Originate (the seed chapter's Table
 * 17-1) with JSON names; the bridge adds ActionID, ChannelId, OtherChannelId and `Async: true`.
 */
import * as v from "valibot";
import { CALL_STATES } from "../../core/calls/call-reducer.ts";
import { MAX_HANGUP_CAUSE, ORIGINATE_REASONS } from "../../core/calls/causes.ts";

const NO_LINE_BREAK = /^[^\r\n]*$/;
const LINE_BREAK_MESSAGE = "expected no CR or LF (a line break would inject AMI headers)";

/** One line of text, at most `max` characters. */
function line(max: number, what: string) {
  return v.pipe(v.string(`expected ${what} as a string`), v.regex(NO_LINE_BREAK, LINE_BREAK_MESSAGE), v.maxLength(max, `expected ${what} of at most ${max} characters`));
}

/** Longest wait, ring time and `?timeoutMs=` accepted: one day. */
export const MAX_TIMEOUT_MS = 86_400_000;

/** `Tech/Resource`, as Asterisk's Originate wants its Channel. */
export const ChannelSchema = v.pipe(
  line(256, "a channel"),
  v.regex(/^[A-Za-z0-9_-]+\/\S+$/, 'expected a channel as Tech/Resource, e.g. "PJSIP/2001" (a "/" after the technology, no spaces)'),
  v.description("The channel to dial, as Tech/Resource: `PJSIP/2001`, `Local/100@from-internal`, `SIP/trunk/5551234`."),
);

const ContextSchema = v.pipe(line(80, "a context"), v.regex(/^[^\s,|()"\\]+$/, "expected a dialplan context name without spaces, commas or quotes"));
const ExtenSchema = v.pipe(line(80, "an extension"), v.regex(/^[^\s,|()"\\]+$/, "expected an extension without spaces, commas or quotes"));
const PrioritySchema = v.pipe(v.number("expected a priority as a whole number"), v.integer("expected a priority as a whole number"), v.minValue(1, "expected a priority of at least 1"));

/** Variable names: a name (`CRM_ID`, `__INHERITED`) or a dialplan function (`CDR(userfield)`). */
export const VARIABLE_NAME = /^_{0,2}[A-Za-z0-9][A-Za-z0-9_.-]*(?:\([^()=,\r\n"\\]*\))?$/;

const VariableValueSchema = v.union(
  [line(512, "a variable value"), v.pipe(v.number(), v.finite("expected a finite number")), v.boolean()],
  "expected a variable value as a string, a number or a boolean, without CR or LF",
);

/** `variables` as an object, each entry sent as its own `Variable: name=value` header. */
export const CallVariablesSchema = v.pipe(
  v.record(
    v.pipe(v.string(), v.regex(VARIABLE_NAME, "expected a variable name of letters, digits, _ . - (or a function like CDR(userfield)), without =, comma, CR or LF")),
    VariableValueSchema,
  ),
  v.check((value) => Object.keys(value).length <= 64, "expected at most 64 variables"),
  v.description("Channel variables: each is sent as `Variable: name=value`, commas and quotes in the value escaped, so Asterisk keeps them."),
);

/** `POST /v1/calls`. */
export const CallRequestSchema = v.strictObject(
  {
    channel: ChannelSchema,
    context: v.optional(v.pipe(ContextSchema, v.description("Dialplan context to continue in once the channel answers."))),
    exten: v.optional(v.pipe(ExtenSchema, v.description("Extension in `context`."))),
    priority: v.optional(v.pipe(PrioritySchema, v.description("Priority in `exten`; default 1."))),
    application: v.optional(v.pipe(line(80, "an application"), v.regex(/^[A-Za-z][A-Za-z0-9_]*$/, "expected an application name of letters, digits and _"), v.description("Application to run once the channel answers, instead of a context."))),
    data: v.optional(v.pipe(line(512, "application data"), v.description("The application's arguments."))),
    timeoutMs: v.optional(
      v.pipe(
        v.number("expected timeoutMs as a number of milliseconds"),
        v.integer("expected timeoutMs as a whole number of milliseconds"),
        v.minValue(1, "expected timeoutMs of at least 1 (milliseconds; AMI's Timeout is in milliseconds too)"),
        v.maxValue(MAX_TIMEOUT_MS, `expected timeoutMs of at most ${MAX_TIMEOUT_MS}`),
        v.description("How long the channel may ring before the call fails with no-answer, in ms (AMI Timeout). Default 30000."),
      ),
    ),
    callerId: v.optional(v.pipe(line(128, "a caller id"), v.description('Caller id shown to the dialled party: `"Name" <number>` or a number.'))),
    account: v.optional(v.pipe(line(80, "an account code"), v.description("Account code (CDR)."))),
    variables: v.optional(CallVariablesSchema),
    codecs: v.optional(v.pipe(line(200, "codecs"), v.regex(/^[A-Za-z0-9_]+(?:,[A-Za-z0-9_]+)*$/, 'expected codec names separated by commas, e.g. "ulaw,alaw"'), v.description("Codecs for the new channel, e.g. `ulaw,alaw`."))),
    earlyMedia: v.optional(v.pipe(v.boolean("expected earlyMedia as true or false"), v.description("Connect on early media (progress) instead of waiting for an answer."))),
    server: v.optional(v.pipe(v.string("expected a server name"), v.description("Upstream name; required when the bridge has several."))),
    id: v.optional(
      v.pipe(
        v.string("expected an id as a string"),
        v.regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, "expected an id of 1-64 letters, digits, _ . : - (starting with a letter or digit)"),
        v.description("Your id for the call (e.g. a CRM task id); default one the bridge makes. A second POST with an id still in the history is refused (409) and places no call."),
      ),
    ),
  },
  "expected a JSON object with the fields channel, context, exten, priority, application, data, timeoutMs, callerId, account, variables, codecs, earlyMedia, server, id",
);

/** The validated body of `POST /v1/calls`. */
export type CallRequestBody = v.InferOutput<typeof CallRequestSchema>;

/** Hangup cause, for DELETE routes: `?cause=`. */
export const CauseQuerySchema = v.pipe(
  v.string(),
  v.regex(/^\d{1,3}$/, `expected a hangup cause from 0 to ${MAX_HANGUP_CAUSE}`),
  v.transform(Number),
  v.maxValue(MAX_HANGUP_CAUSE, `expected a hangup cause from 0 to ${MAX_HANGUP_CAUSE}`),
  v.description("Hangup cause code (Q.850): 16 normal clearing (default), 17 busy, 21 rejected …"),
);

/** `POST /v1/channels/{id}/redirect`. */
export const RedirectRequestSchema = v.strictObject(
  {
    context: v.pipe(ContextSchema, v.description("Where to send the channel.")),
    exten: ExtenSchema,
    priority: v.optional(PrioritySchema),
    legs: v.optional(v.pipe(v.picklist(["both", "one"], 'expected legs to be "both" or "one"'), v.description("For a bridged channel: move both legs (default; the Extra* headers) or this one only (its peer is then hung up by Asterisk)."))),
    peer: v.optional(
      v.pipe(
        v.strictObject({ context: ContextSchema, exten: ExtenSchema, priority: v.optional(PrioritySchema) }, "expected peer as { context, exten, priority }"),
        v.description("Where the other leg goes, when both move; default the same place."),
      ),
    ),
    server: v.optional(v.string("expected a server name")),
  },
  "expected a JSON object with the fields context, exten, priority, legs, peer, server",
);

/** The validated body of a redirect. */
export type RedirectRequestBody = v.InferOutput<typeof RedirectRequestSchema>;

/** `?wait=` of `GET /v1/calls/{id}`. */
export const WaitQuerySchema = v.pipe(v.picklist(["answered", "ended"], 'expected wait to be "answered" or "ended"'), v.description("Answer once the call reached this state (ended: any final state, ended or failed), or failed, or the deadline passed."));

/** `?timeoutMs=` of a wait. */
export const WaitTimeoutSchema = v.pipe(
  v.string(),
  v.regex(/^\d{1,9}$/, "expected timeoutMs as a whole number of milliseconds"),
  v.transform(Number),
  v.description("How long to wait, in ms; default 30000, at most the plugin's maxWaitMs."),
);

const PartySchema = v.object({ num: v.string(), name: v.string() });

/** A call as the routes answer it. */
export const CallSchema = v.object({
  id: v.string(),
  url: v.string(),
  server: v.string(),
  state: v.pipe(v.picklist(CALL_STATES), v.description("queued → dialing → ringing → answered → bridged → ended, or failed.")),
  request: v.record(v.string(), v.unknown()),
  actionId: v.string(),
  channelId: v.pipe(v.string(), v.description("Uniqueid the bridge assigned to the dialled channel (ChannelId).")),
  otherChannelId: v.pipe(v.string(), v.description("Uniqueid of a Local channel's second half (OtherChannelId).")),
  channel: v.optional(v.string()),
  otherChannel: v.optional(v.string()),
  peer: v.optional(v.object({ uniqueid: v.string(), channel: v.string(), callerIdNum: v.optional(v.string()), callerIdName: v.optional(v.string()) })),
  reason: v.optional(v.pipe(v.string(), v.description(`Why it failed: ${ORIGINATE_REASONS.join(", ")} (OriginateResponse Reason), refused, lost while disconnected …`))),
  reasonCode: v.optional(v.number()),
  asteriskMessage: v.optional(v.string()),
  cause: v.optional(v.pipe(v.number(), v.description("Hangup cause code of its channel."))),
  causeText: v.optional(v.string()),
  hangupBy: v.optional(v.object({ role: v.picklist(["api", "channel", "other", "peer"]), channel: v.optional(v.string()) })),
  createdBy: v.string(),
  createdAt: v.number(),
  answeredAt: v.optional(v.number()),
  bridgedAt: v.optional(v.number()),
  endedAt: v.optional(v.number()),
  durations: v.optional(v.object({ totalMs: v.number(), waitMs: v.optional(v.number()), talkMs: v.optional(v.number()) })),
  history: v.array(v.object({ state: v.picklist(CALL_STATES), at: v.number(), detail: v.string() })),
  reached: v.optional(v.pipe(v.boolean(), v.description("With ?wait=: whether the state was reached before the deadline."))),
});

/** A live channel as the routes answer it. */
export const LiveChannelSchema = v.object({
  server: v.string(),
  uniqueid: v.string(),
  linkedid: v.string(),
  name: v.string(),
  state: v.number(),
  stateDesc: v.string(),
  callerId: PartySchema,
  connectedLine: PartySchema,
  accountCode: v.string(),
  context: v.string(),
  exten: v.string(),
  priority: v.number(),
  application: v.string(),
  appData: v.string(),
  bridgeId: v.optional(v.string()),
  dialing: v.array(v.string()),
  dialStatus: v.optional(v.string()),
  variables: v.record(v.string(), v.string()),
  createdAt: v.number(),
  answeredAt: v.optional(v.number()),
  updatedAt: v.number(),
  stale: v.pipe(v.boolean(), v.description("True while the bridge is disconnected from the channel's server: it may have changed or hung up since.")),
});

/** Options of the calls plugin. */
export const CallsOptionsSchema = v.optional(
  v.object({
    /** Calls not yet final at once; more are refused with 503. */
    maxLive: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 1000),
    /** Finished calls kept for GET, and for how long. */
    historyCount: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 1000),
    historyAgeMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 3_600_000),
    /** Longest `?wait=` a request may ask for. */
    maxWaitMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_TIMEOUT_MS)), 120_000),
    /** VarSet variables the channel registry keeps on each channel. */
    variables: v.optional(v.array(v.pipe(v.string(), v.regex(VARIABLE_NAME))), []),
  }),
  {},
);

/** The plugin's options, defaults filled. */
export type CallsOptions = v.InferOutput<typeof CallsOptionsSchema>;
