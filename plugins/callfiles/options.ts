/** Options of the `callfiles` plugin (`plugins.callfiles` in the config file). */
import * as v from "valibot";
import { integerSchema, NameSchema, strictObject } from "../../core/config/fields.ts";

const PATH_EXPECTED = "an absolute folder path";
const path = v.pipe(v.string(PATH_EXPECTED), v.regex(/^\//, PATH_EXPECTED));

/** See the README's "Call files" section. */
export const CallFilesOptionsSchema = v.optional(
  strictObject({
    /** Asterisk's spool folder (holds outgoing/); without it the plugin is off and its routes answer 503. */
    spoolDir: v.optional(path),
    /** Where files are written before the rename into outgoing/; default `<spoolDir>/amibridge-staging`. */
    stagingDir: v.optional(path),
    /** Upstream whose spool this is; default the only upstream. */
    server: v.optional(NameSchema),
    /** Owner of written files (`asterisk`, `asterisk:asterisk`, `995:995`): Asterisk must own them to retry. */
    owner: v.optional(v.pipe(v.string("user or user:group"), v.regex(/^[A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)?$/, "user or user:group"))),
    /** Permission bits of written files, e.g. "0660". */
    mode: v.optional(v.pipe(v.string('permission bits such as "0660"'), v.regex(/^0?[0-7]{3,4}$/, 'permission bits such as "0660"'))),
    /** How often the folders are scanned besides the watcher's events, ms. */
    pollMs: v.optional(integerSchema(20, 60_000, "milliseconds"), 1000),
  }),
  () => ({ pollMs: 1000 }),
);

/** The options after validation. */
export type CallFilesOptions = v.InferOutput<typeof CallFilesOptionsSchema>;
