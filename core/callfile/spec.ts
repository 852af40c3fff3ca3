/**
 * What a call file may say, as the HTTP API and the CLI take it: a valibot schema of every key
 * pbx_spool.c reads (camelCase; unknown keys refused with a "did you mean"), then the rules
 * between keys, giving a {@link CallFileSpec} that `renderCallFile` turns into text.
 */
import * as v from "valibot";
import { integerSchema, NameSchema, rejectArrays, strictObject } from "../config/fields.ts";
import { CallFileError } from "./errors.ts";
import { JOB_VARIABLE } from "./render.ts";

/** Largest number pbx_spool's `%30d` takes without overflowing an int. */
const MAX_INT = 2_147_483_647;

const nonEmpty = (expected: string) => v.pipe(v.string(expected), v.nonEmpty(expected));
const word = (expected: string) => v.pipe(v.string(expected), v.regex(/^\S+$/, expected));

const VariablesSchema = rejectArrays(
  v.record(
    v.pipe(v.string(), v.regex(/^[^=\s][^=]*$/, "a variable name: not empty, no '=' and no blank at the start")),
    v.union([v.string(), v.number(), v.boolean()], "a string, number or boolean"),
    "an object of channel variables, name to value",
  ),
  "an object of channel variables, name to value",
);

const CODEC_EXPECTED = 'codec names such as "ulaw" or "ulaw,alaw", or a list of them';
const codec = v.pipe(v.string(CODEC_EXPECTED), v.regex(/^!?[A-Za-z0-9_]+(?:,!?[A-Za-z0-9_]+)*$/, CODEC_EXPECTED));

const TIME_EXPECTED = 'a time: ISO 8601 with a zone ("2026-12-03T14:30:00Z", "…+01:00"), or from now ("+90s", "+2m", "+1h", "+1d")';

/** The body of `POST /v1/callfiles` (and what the CLI's flags become). */
export const CallFileRequestSchema = strictObject(
  {
    channel: v.pipe(v.string("a channel such as PJSIP/2001 (Tech/resource)"), v.regex(/^[^/\s]+\/\S+$/, "a channel such as PJSIP/2001 (Tech/resource)")),
    callerId: v.optional(nonEmpty('a caller id such as "Reception" <100>')),
    waitTime: v.optional(integerSchema(1, MAX_INT, "seconds to ring before giving up; Asterisk's default 45")),
    maxRetries: v.optional(integerSchema(0, MAX_INT, "retries after the first attempt; default 0")),
    retryTime: v.optional(integerSchema(1, MAX_INT, "seconds between attempts; Asterisk's default 300")),
    account: v.optional(nonEmpty("an account code")),
    context: v.optional(word("a dialplan context")),
    extension: v.optional(word("a dialplan extension")),
    priority: v.optional(integerSchema(1, MAX_INT, "a numeric dialplan priority; default 1")),
    application: v.optional(v.pipe(v.string("a dialplan application name"), v.regex(/^[A-Za-z0-9_]+$/, "a dialplan application name such as Playback"))),
    data: v.optional(v.string("the application's arguments")),
    variables: v.optional(VariablesSchema),
    codecs: v.optional(v.union([codec, v.array(codec, CODEC_EXPECTED)], CODEC_EXPECTED)),
    alwaysDelete: v.optional(v.boolean("true or false")),
    archive: v.optional(v.boolean("true or false")),
    earlyMedia: v.optional(v.boolean("true or false")),
    notBefore: v.optional(v.string(TIME_EXPECTED)),
    server: v.optional(NameSchema),
  },
  "a JSON object describing a call file",
);

/** The request as sent. */
export type CallFileRequest = v.InferInput<typeof CallFileRequestSchema>;

/** What the call does once answered. */
export type CallFileTarget = { context: string; extension: string; priority: number } | { application: string; data?: string };

/** A validated call file, ready to render. */
export interface CallFileSpec {
  channel: string;
  callerId?: string;
  waitTime?: number;
  maxRetries?: number;
  retryTime?: number;
  account?: string;
  target: CallFileTarget;
  /** `Setvar` lines in order (the job id comes first, added when rendering). */
  variables: Array<[string, string]>;
  codecs?: string[];
  alwaysDelete?: boolean;
  /** The bridge's default is true: without it Asterisk deletes the file and the outcome is lost. */
  archive: boolean;
  earlyMedia?: boolean;
  /** When the call is due (ms since the epoch, a whole second), or undefined for at once. */
  notBefore?: number;
  /** Upstream whose spool gets the file. */
  server?: string;
}

function refuse(field: string, message: string): never {
  throw new CallFileError("CALLFILE_INVALID", `${field}: ${message}`, { field });
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * `notBefore` as ms since the epoch, rounded up to a whole second: Asterisk compares mtimes in
 * whole seconds (st_mtime), so a fraction would let it dial up to a second early.
 */
export function parseNotBefore(text: string, now: number, field = "notBefore"): number {
  const relative = /^\+(\d{1,9})([smhd])$/.exec(text.trim());
  let at: number;
  if (relative) at = now + Number(relative[1]) * UNIT_MS[relative[2]!]!;
  else if (ISO_TIME.test(text.trim())) at = Date.parse(text.trim());
  else refuse(field, `expected ${TIME_EXPECTED}, got ${JSON.stringify(text.slice(0, 80))}`);
  if (!Number.isFinite(at) || at > 253_402_300_799_000) refuse(field, `expected ${TIME_EXPECTED}, got ${JSON.stringify(text.slice(0, 80))}, which is not a valid time`);
  return Math.ceil(at / 1000) * 1000;
}

function issueMessage(issue: v.BaseIssue<unknown>): CallFileError {
  const path = (issue.path ?? []).map((item) => String(item.key));
  const field = path.length > 0 ? path.join(".") : "body";
  // A key that is not a call-file key: name it, the message says which keys there are.
  if (issue.expected === "never") {
    return new CallFileError("CALLFILE_INVALID", `${field}: unknown key; expected ${issue.message}`, { field });
  }
  return new CallFileError("CALLFILE_INVALID", `${field}: expected ${issue.message}, got ${JSON.stringify(issue.input)?.slice(0, 80) ?? "nothing"}`, { field });
}

/** Validates a request (body or CLI flags) into a {@link CallFileSpec}; throws a `CALLFILE_INVALID` CallFileError naming the field. */
export function toCallFileSpec(input: unknown, now = Date.now()): CallFileSpec {
  const parsed = v.safeParse(CallFileRequestSchema, input);
  if (!parsed.success) throw issueMessage(parsed.issues[0]!);
  const r = parsed.output;
  const app = r.application !== undefined;
  const exten = r.extension !== undefined;
  if (app && exten) refuse("application", "expected either application (with data) or context, extension and priority, got both application and extension");
  if (!app && !exten) refuse("extension", "expected either application (with data) or context and extension (where to connect the answered call), got neither");
  let target: CallFileTarget;
  if (app) {
    for (const key of ["context", "priority", "earlyMedia"] as const) {
      if (r[key] !== undefined) refuse(key, `expected no ${key} with an application: Asterisk ignores it (it belongs to context/extension calls)`);
    }
    target = r.data === undefined ? { application: r.application! } : { application: r.application!, data: r.data };
  } else {
    if (r.data !== undefined) refuse("data", "expected data only with an application, got it with an extension");
    if (r.context === undefined) refuse("context", "expected a dialplan context with the extension, got none");
    target = { context: r.context, extension: r.extension!, priority: r.priority ?? 1 };
  }
  const variables: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(r.variables ?? {})) {
    if (name.toUpperCase() === JOB_VARIABLE) refuse(`variables.${name}`, `expected a variable name other than ${JOB_VARIABLE}, which the bridge sets to the job id`);
    variables.push([name, typeof value === "string" ? value : String(value)]);
  }
  const spec: CallFileSpec = { channel: r.channel, target, variables, archive: r.archive ?? true };
  if (r.callerId !== undefined) spec.callerId = r.callerId;
  if (r.waitTime !== undefined) spec.waitTime = r.waitTime;
  if (r.maxRetries !== undefined) spec.maxRetries = r.maxRetries;
  if (r.retryTime !== undefined) spec.retryTime = r.retryTime;
  if (r.account !== undefined) spec.account = r.account;
  if (r.codecs !== undefined) spec.codecs = (Array.isArray(r.codecs) ? r.codecs : [r.codecs]).flatMap((c) => c.split(","));
  if (r.alwaysDelete !== undefined) spec.alwaysDelete = r.alwaysDelete;
  if (r.earlyMedia !== undefined) spec.earlyMedia = r.earlyMedia;
  if (r.notBefore !== undefined) spec.notBefore = parseNotBefore(r.notBefore, now);
  if (r.server !== undefined) spec.server = r.server;
  return spec;
}
