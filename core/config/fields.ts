/** Field schemas shared by every section of the configuration file. */
import * as v from "valibot";
import { closestKey } from "./closest-key.ts";

/** Upstream, token and plugin names: safe in URLs, log lines and metric labels as they are. */
export const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

const NAME_EXPECTED = 'a name of 1-64 letters, digits, "_", "." or "-"';

/** A name matching {@link NAME_PATTERN}. */
export const NameSchema = v.pipe(v.string(NAME_EXPECTED), v.regex(NAME_PATTERN, NAME_EXPECTED));

/** AMI event classes, as Asterisk's manager.conf `read=` spells them. */
export const EVENT_CLASSES = [
  "system", "call", "log", "verbose", "command", "agent", "user", "config", "dtmf", "reporting",
  "cdr", "dialplan", "originate", "agi", "cc", "aoc", "test", "security", "message", "all",
] as const;

/** One of {@link EVENT_CLASSES}. */
export type EventClass = (typeof EVENT_CLASSES)[number];

/** One AMI event class. */
export const EventClassSchema = v.picklist(EVENT_CLASSES, `one of ${EVENT_CLASSES.join(", ")}`);

/** Longest timer every runtime honours; Node fires a longer `setTimeout` at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** An integer in `[min, max]`; `unit` only shapes the message. */
export function integerSchema(min: number, max: number, unit?: string) {
  const expected = `an integer from ${min} to ${max}${unit ? ` (${unit})` : ""}`;
  return v.pipe(v.number(expected), v.integer(expected), v.minValue(min, expected), v.maxValue(max, expected));
}

/**
 * Makes an object or record schema reject arrays, which valibot lets through as objects (so `[]`
 * would silently pass as `{}`). Type, entries and JSON Schema conversion stay those of `schema`.
 */
export function rejectArrays<Schema extends v.GenericSchema>(schema: Schema, expected: string): Schema {
  const run: Schema["~run"] = (dataset, config) => {
    if (!Array.isArray(dataset.value)) return schema["~run"](dataset, config);
    const issue: v.BaseIssue<unknown> = {
      kind: "schema", type: schema.type, input: dataset.value, expected: schema.expects, received: "Array", message: expected,
      lang: config.lang, abortEarly: config.abortEarly, abortPipeEarly: config.abortPipeEarly,
    };
    return { typed: false, value: dataset.value, issues: [issue] };
  };
  const standard = { ...schema["~standard"], validate: (value: unknown) => run({ value }, v.getGlobalConfig()) };
  return { ...schema, "~run": run, "~standard": standard };
}

/** A `strictObject` whose messages name the known keys, so a typo is an error that says what was meant. */
export function strictObject<const Entries extends v.ObjectEntries>(entries: Entries, what = "an object") {
  const keys = Object.keys(entries);
  const schema = v.strictObject(entries, (issue) => {
    if (issue.expected === "never") {
      const guess = closestKey(String(issue.input), keys);
      return `one of the keys ${keys.join(", ")}${guess ? ` (did you mean "${guess}"?)` : ""}`;
    }
    return issue.input === undefined && issue.path ? "a value (this key is required)" : what;
  });
  return rejectArrays(schema, what);
}
