/**
 * How a simulated call ends, chosen from where it was sent. The default follows the captures'
 * dialplan (`config/extensions.conf`) and a few self-explaining extension names:
 *
 * | extension (case-insensitive)  | outcome       | OriginateResponse                 |
 * | ----------------------------- | ------------- | --------------------------------- |
 * | `busy`, `500`                 | `busy`        | Failure, Reason 5                 |
 * | `congestion`, `501`           | `congestion`  | Failure, Reason 8                 |
 * | `noanswer`, `ring`            | `no-answer`   | Failure, Reason 3, after Timeout  |
 * | `fail`, `999`                 | `fail`        | Failure, Reason 0 (no such exten) |
 * | `long`, `101`, `200`          | `answer-long` | Success, Reason 4; stays up       |
 * | anything else                 | `answer`      | Success, Reason 4; short call     |
 *
 * `Local/…` channels are simulated as a Local pair; `PJSIP/…`, `SIP/…` and `IAX2/…` as a phone
 * with one channel, its outcome chosen by the endpoint name (`PJSIP/2001` answers, `PJSIP/500`
 * is busy, `PJSIP/999` does not exist). Any other technology fails at once with no channel,
 * the way Asterisk answers `Bogus/xyz` (Reason 0, `Uniqueid: <unknown>`).
 */

/** What happens to a simulated call. */
export type CallOutcome = "answer" | "answer-long" | "busy" | "congestion" | "no-answer" | "fail";

/** Where an Originate's `Channel` points: `Local/100@test` → technology Local, exten 100, context test. */
export interface Destination {
  /** The `Channel` header as given. */
  channel: string;
  /** Text before the first `/` (`Local`). */
  technology: string;
  /** Text after it, without Local's `/n`-style options (`100@test`). */
  resource: string;
  exten: string;
  context: string;
}

/** Splits a `Tech/resource` channel; undefined when there is no `/`. */
export function parseDestination(channel: string): Destination | undefined {
  const slash = channel.indexOf("/");
  if (slash <= 0) return undefined;
  const technology = channel.slice(0, slash);
  let resource = channel.slice(slash + 1);
  const options = resource.indexOf("/");
  if (options >= 0) resource = resource.slice(0, options);
  const at = resource.indexOf("@");
  const exten = at >= 0 ? resource.slice(0, at) : resource;
  const context = at >= 0 ? resource.slice(at + 1) : "default";
  return { channel, technology, resource, exten, context };
}

const BY_EXTEN: Readonly<Record<string, CallOutcome>> = {
  busy: "busy",
  "500": "busy",
  congestion: "congestion",
  "501": "congestion",
  noanswer: "no-answer",
  ring: "no-answer",
  fail: "fail",
  "999": "fail",
  long: "answer-long",
  "101": "answer-long",
  "200": "answer-long",
};

/** The default outcome of a Local call (see the table above). */
export function defaultOutcome(destination: Destination): CallOutcome {
  return BY_EXTEN[destination.exten.toLowerCase()] ?? "answer";
}
