/** Schema of one `upstreams[]` entry: an Asterisk server the bridge logs in to. */
import * as v from "valibot";
import { parseAmiUrl, redactUrl } from "../client/url.ts";
import { EventClassSchema, integerSchema, MAX_TIMER_MS, NameSchema, strictObject } from "./fields.ts";

const URL_EXPECTED = "an ami://, amis://, http:// or https:// URL";

/** Why `url` is not a usable AMI URL, worded as what was expected; undefined when it is one. */
export function amiUrlExpectation(url: string): string | undefined {
  try {
    parseAmiUrl(url);
    return undefined;
  } catch (error) {
    // parseAmiUrl words its reason after the redacted URL; keep only the reason.
    const reason = (error as Error).message.replace(`invalid AMI URL ${redactUrl(url)}: `, "");
    return /scheme|"ami:\/\//.test(reason) ? URL_EXPECTED : `${URL_EXPECTED} (${reason.replace(/^expected /, "")})`;
  }
}

/** `ami://user:secret@host:5038`, `amis://…`, or AMI over HTTP `http(s)://user:secret@host:8088/rawman`, checked by `parseAmiUrl`. */
export const AmiUrlSchema = v.pipe(
  v.string(URL_EXPECTED),
  v.check((url) => amiUrlExpectation(url) === undefined, (issue) => amiUrlExpectation(String(issue.input)) ?? URL_EXPECTED),
);

const FINGERPRINT_EXPECTED = "a SHA-256 fingerprint: 32 hex bytes, colons optional";

/** A SHA-256 certificate fingerprint, normalised to upper-case hex pairs joined by `:`. */
export const FingerprintSchema = v.pipe(
  v.string(FINGERPRINT_EXPECTED),
  v.regex(/^(?:[0-9A-Fa-f]{64}|[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){31})$/, FINGERPRINT_EXPECTED),
  v.transform((hex) => hex.replaceAll(":", "").toUpperCase().match(/../g)!.join(":")),
);

const PEM_EXPECTED = "a PEM certificate or a file path, or a non-empty list of them";
const PemOrPathSchema = v.pipe(v.string(PEM_EXPECTED), v.nonEmpty(PEM_EXPECTED));

/** `tls` of an `amis://` upstream; `ca` always comes out as a list. */
export const UpstreamTlsSchema = strictObject({
  ca: v.optional(
    v.pipe(
      v.union([PemOrPathSchema, v.pipe(v.array(PemOrPathSchema, PEM_EXPECTED), v.minLength(1, PEM_EXPECTED))], PEM_EXPECTED),
      v.transform((ca) => (typeof ca === "string" ? [ca] : ca)),
    ),
  ),
  serverName: v.optional(v.pipe(v.string("a host name"), v.nonEmpty("a host name"))),
  fingerprint256: v.optional(FingerprintSchema),
  insecure: v.optional(v.boolean("true or false"), false),
});

const EVENTS_EXPECTED = '"on", "off" or a non-empty list of event classes';

/** Which events an upstream asks Asterisk for. */
export const UpstreamEventsSchema = v.union(
  [v.picklist(["on", "off"], EVENTS_EXPECTED), v.pipe(v.array(EventClassSchema, EVENTS_EXPECTED), v.minLength(1, EVENTS_EXPECTED))],
  EVENTS_EXPECTED,
);

/** One Asterisk server. */
export const UpstreamSchema = strictObject({
  name: NameSchema,
  url: AmiUrlSchema,
  events: v.optional(UpstreamEventsSchema, "on"),
  actionTimeoutMs: v.optional(integerSchema(1, MAX_TIMER_MS, "milliseconds")),
  connectTimeoutMs: v.optional(integerSchema(1, MAX_TIMER_MS, "milliseconds")),
  tls: v.optional(UpstreamTlsSchema),
});
