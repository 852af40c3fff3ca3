/** Schema of one `tokens[]` entry: a bearer token and what it may do. */
import * as v from "valibot";
import { EVENT_CLASSES, NameSchema, strictObject } from "./fields.ts";

/** Shortest accepted token: anything shorter is guessable. */
export const MIN_TOKEN_LENGTH = 16;

/** Names of the environment variables a token can be read from. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What no token may do unless granted by name: the shell-reaching actions, the calls plugin's routes, writing call files into Asterisk's spool, and managing webhooks. */
export const GRANTS = ["command", "system", "calls", "redirect", "hangup", "callfiles", "webhooks"] as const;

/** One of {@link GRANTS}. */
export type Grant = (typeof GRANTS)[number];

const TOKEN_EXPECTED = `a token of at least ${MIN_TOKEN_LENGTH} characters`;
const ENV_EXPECTED = "an environment variable name";
const READ_EXPECTED = `one of *, ${EVENT_CLASSES.join(", ")}`;
const ACTION_EXPECTED = 'an AMI action name such as "Originate", or "*"';
const SERVER_EXPECTED = 'an upstream name or "*"';
const CONTEXT_EXPECTED = 'a dialplan context name, "*" matching any run of characters (e.g. "from-crm" or "crm-*")';
const CHANNEL_EXPECTED = 'a channel pattern such as "PJSIP/2*" ("*" matches within one part, never across "/", "@" or "&")';
const pattern = (expected: string) => v.pipe(v.string(expected), v.regex(/^[^\s,;"\\]{1,80}$/, expected));

/** Where the token's calls may go (calls plugin); each list unset means any. */
export const TokenCallsSchema = strictObject({
  contexts: v.optional(v.array(pattern(CONTEXT_EXPECTED), "a list of contexts")),
  channels: v.optional(v.array(pattern(CHANNEL_EXPECTED), "a list of channel patterns")),
});

/** An AMI action name in an allow or deny list, or `*` for every action. */
export const ActionNameSchema = v.pipe(v.string(ACTION_EXPECTED), v.regex(/^(?:\*|[A-Za-z][A-Za-z0-9_]*)$/, ACTION_EXPECTED));

const actionList = v.optional(v.array(ActionNameSchema, "a list of action names"), () => []);

/** Actions a token may send: `deny` wins over `allow`. */
export const TokenActionsSchema = strictObject({ allow: actionList, deny: actionList });

/** One API token. Exactly one of `token` and `tokenEnv` must be given; that rule is checked after parsing. */
export const TokenSchema = strictObject({
  name: NameSchema,
  token: v.optional(v.pipe(v.string(TOKEN_EXPECTED), v.minLength(MIN_TOKEN_LENGTH, TOKEN_EXPECTED))),
  tokenEnv: v.optional(v.pipe(v.string(ENV_EXPECTED), v.regex(ENV_NAME_PATTERN, ENV_EXPECTED))),
  read: v.optional(v.array(v.picklist(["*", ...EVENT_CLASSES], READ_EXPECTED), "a list of event classes"), () => []),
  actions: v.optional(TokenActionsSchema, () => ({ allow: [], deny: [] })),
  grants: v.optional(v.array(v.picklist(GRANTS, `one of ${GRANTS.join(", ")}`), "a list of grants"), () => []),
  servers: v.optional(
    v.array(v.pipe(v.string(SERVER_EXPECTED), v.regex(/^(?:\*|[A-Za-z0-9_.-]{1,64})$/, SERVER_EXPECTED)), "a list of upstream names"),
    () => ["*"],
  ),
  calls: v.optional(TokenCallsSchema),
});
