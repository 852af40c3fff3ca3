/** Call-file text: the API's schema, canonical rendering with its refusals, and reading as pbx_spool.c does (the captures). */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { CallFileError } from "../../core/callfile/errors.ts";
import { parseCallFile } from "../../core/callfile/parse.ts";
import { MAX_LINE_BYTES, renderCallFile } from "../../core/callfile/render.ts";
import { parseNotBefore, toCallFileSpec } from "../../core/callfile/spec.ts";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/asterisk-22/${name}`, import.meta.url), "utf8");
const ID = "01KBJ0000000000000000000AB";

function refusal(body: unknown): { field: string | undefined; message: string } {
  try {
    renderCallFile(toCallFileSpec(body), ID);
  } catch (error) {
    expect(error).toBeInstanceOf(CallFileError);
    expect((error as CallFileError).code).toBe("CALLFILE_INVALID");
    return { field: (error as CallFileError).field, message: (error as Error).message };
  }
  throw new Error(`expected ${JSON.stringify(body)} to be refused`);
}

describe("reading call files as pbx_spool does", () => {
  test("the captured call files: application and extension forms, caller id, Setvar, Archive", () => {
    const one = parseCallFile(fixture("callfile-example.call"));
    expect(one).toMatchObject({ tech: "Local", dest: "100@test", application: "Wait", data: "1", callerId: '"Call File" <7000>', maxRetries: 0, waitTime: 15, archive: true, valid: true });
    expect(one.variables).toEqual([["CALLFILE", "yes"]]);
    const two = parseCallFile(fixture("callfile-example2.call"));
    expect(two).toMatchObject({ tech: "Local", dest: "300@test", context: "sets", extension: "1000", priority: 1, archive: false, alwaysDelete: true, valid: true });
    expect(two.warnings).toEqual([]);
  });

  test("the archived copy: one StartRetry, no attempt running, and the Status: line", () => {
    const done = parseCallFile(fixture("callfile-example.done"));
    expect(done).toMatchObject({ startRetries: 1, callingPid: 12475, retries: 0, status: "Completed" });
  });

  test("comments, escapes, case-insensitive keys, long lines and retry lines", () => {
    const long = `Data: ${"x".repeat(MAX_LINE_BYTES)}`;
    const text = [
      "# a comment line",
      "CHANNEL: PJSIP/2001",
      "application: Playback ; a trailing comment",
      "Data: a\\;b#c ;d",
      long,
      "  Context: indented keys are not keys",
      "Setvar: X=1 #comment",
      "set: Y=",
      "Setvar: novalue",
      "StartRetry: 999 1 (1)",
      "EndRetry: 999 1 (2)",
      "StartRetry: 999 2 (3)",
    ].join("\n");
    const file = parseCallFile(text);
    expect(file).toMatchObject({ tech: "PJSIP", dest: "2001", application: "Playback", data: "a;b#c", startRetries: 2, retries: 1, callingPid: 999 });
    expect(file.variables).toEqual([["X", "1"], ["Y", ""]]);
    expect(file.context).toBeUndefined();
    expect(file.warnings.some((w) => w.startsWith("Skipping extremely long line at line 5"))).toBe(true);
    expect(file.warnings.some((w) => w.includes("Malformed"))).toBe(true);
    expect(parseCallFile("Channel: PJSIP/1\n").valid).toBe(false);
    expect(parseCallFile("Channel: nochannel\nApplication: Wait\n").valid).toBe(false);
  });
});

describe("the request schema and canonical rendering", () => {
  test("a full request renders every key in a fixed order, earlyMedia as early_media, and reads back the same", () => {
    const spec = toCallFileSpec({
      channel: "PJSIP/2001", callerId: '"Reception" <100>', waitTime: 20, maxRetries: 2, retryTime: 60, account: "sales",
      context: "from-internal", extension: "100", priority: 2, variables: { CUSTOMER: "42", "CDR(userfield)": "x;y", FLAG: true },
      codecs: ["ulaw", "alaw"], alwaysDelete: false, earlyMedia: true,
    });
    const text = renderCallFile(spec, ID);
    expect(text).toBe(
      [
        "Channel: PJSIP/2001", 'CallerID: "Reception" <100>', "WaitTime: 20", "MaxRetries: 2", "RetryTime: 60", "Account: sales",
        "Context: from-internal", "Extension: 100", "Priority: 2", `Setvar: AMIBRIDGE_JOB=${ID}`, "Setvar: CUSTOMER=42",
        "Setvar: CDR(userfield)=x\\;y", "Setvar: FLAG=true", "Codecs: ulaw,alaw", "AlwaysDelete: no", "Archive: yes", "early_media: yes", "",
      ].join("\n"),
    );
    const back = parseCallFile(text);
    expect(back).toMatchObject({ tech: "PJSIP", dest: "2001", callerId: '"Reception" <100>', waitTime: 20, maxRetries: 2, retryTime: 60, account: "sales", context: "from-internal", extension: "100", priority: 2, codecs: "ulaw,alaw", alwaysDelete: false, archive: true, earlyMedia: true, valid: true });
    expect(back.variables).toEqual([["AMIBRIDGE_JOB", ID], ["CUSTOMER", "42"], ["CDR(userfield)", "x;y"], ["FLAG", "true"]]);
    expect(back.warnings).toEqual([]);
  });

  test("the application form, with archiving on by default", () => {
    const text = renderCallFile(toCallFileSpec({ channel: "Local/100@test", application: "Wait", data: "1", callerId: '"Call File" <7000>', maxRetries: 0, waitTime: 15, variables: { CALLFILE: "yes" } }), ID);
    expect(text).toBe(`Channel: Local/100@test\nCallerID: "Call File" <7000>\nWaitTime: 15\nMaxRetries: 0\nApplication: Wait\nData: 1\nSetvar: AMIBRIDGE_JOB=${ID}\nSetvar: CALLFILE=yes\nArchive: yes\n`);
    // The same settings as the captured file, which Asterisk dialled.
    const captured = parseCallFile(fixture("callfile-example.call"));
    const ours = parseCallFile(text);
    for (const key of ["tech", "dest", "application", "data", "callerId", "maxRetries", "waitTime", "archive"] as const) expect(ours[key]).toEqual(captured[key]);
  });

  test("a missing channel, a channel without a slash, both or neither target: refused, naming the field", () => {
    expect(refusal({ context: "x", extension: "1" })).toMatchObject({ field: "channel", message: "channel: expected a value (this key is required), got nothing" });
    expect(refusal({ channel: "PJSIP2001", application: "Wait" }).field).toBe("channel");
    expect(refusal({ channel: "PJSIP/2001", context: "x", extension: "1", application: "Wait" })).toMatchObject({ field: "application", message: expect.stringContaining("got both application and extension") });
    expect(refusal({ channel: "PJSIP/2001" })).toMatchObject({ field: "extension", message: expect.stringContaining("got neither") });
    expect(refusal({ channel: "PJSIP/2001", extension: "100" }).field).toBe("context");
    expect(refusal({ channel: "PJSIP/2001", application: "Wait", context: "x" }).field).toBe("context");
    expect(refusal({ channel: "PJSIP/2001", application: "Wait", earlyMedia: true }).field).toBe("earlyMedia");
    expect(refusal({ channel: "PJSIP/2001", context: "x", extension: "1", data: "d" }).field).toBe("data");
  });

  test("unknown keys are refused with a did-you-mean: EarlyMedia and early_media point at earlyMedia", () => {
    for (const key of ["EarlyMedia", "early_media"]) {
      const { field, message } = refusal({ channel: "PJSIP/2001", application: "Wait", [key]: true });
      expect(field).toBe(key);
      expect(message).toContain(`${key}: unknown key`);
      expect(message).toContain('did you mean "earlyMedia"?');
    }
    expect(refusal({ channel: "PJSIP/2001", application: "Wait", Setvar: "A=1" }).field).toBe("Setvar");
  });

  test("CR or LF, NUL, blanks at the ends, a '#' comment and lines past Asterisk's buffer are refused", () => {
    const base = { channel: "PJSIP/2001", application: "Playback" };
    expect(refusal({ ...base, data: "hello\nApplication: System" })).toMatchObject({ field: "data", message: expect.stringContaining("CR or LF") });
    expect(refusal({ ...base, data: "a\rb" }).field).toBe("data");
    expect(refusal({ ...base, variables: { X: "1\n2" } }).field).toBe("variables.X");
    expect(refusal({ ...base, data: "a\0b" }).message).toContain("NUL");
    expect(refusal({ ...base, data: " padded" }).message).toContain("blanks");
    expect(refusal({ ...base, callerId: "#100" }).message).toContain("comment");
    expect(refusal({ ...base, data: "a #b" }).field).toBe("data");
    // A '#' that does not follow a blank is an ordinary character.
    expect(parseCallFile(renderCallFile(toCallFileSpec({ ...base, data: "*98#" }), ID)).data).toBe("*98#");
    const fits = "d".repeat(MAX_LINE_BYTES - "Data: ".length);
    expect(parseCallFile(renderCallFile(toCallFileSpec({ ...base, data: fits }), ID)).data).toBe(fits);
    expect(refusal({ ...base, data: `${fits}d` })).toMatchObject({ field: "data", message: expect.stringContaining(`at most ${MAX_LINE_BYTES} bytes`) });
    // Bytes, not characters: a multi-byte character past the limit counts in full.
    expect(refusal({ ...base, data: `${fits.slice(1)}é` }).field).toBe("data");
    expect(refusal({ ...base, variables: { AMIBRIDGE_JOB: "mine" } }).field).toBe("variables.AMIBRIDGE_JOB");
    expect(refusal({ ...base, variables: { "A=B": "1" } }).field).toBe("variables.A=B");
  });

  test("a ';' survives as '\\;', a backslash before it too", () => {
    const text = renderCallFile(toCallFileSpec({ channel: "PJSIP/2001", application: "Playback", data: "a;b\\;c" }), ID);
    expect(text).toContain("Data: a\\;b\\\\;c\n");
    expect(parseCallFile(text).data).toBe("a;b\\;c");
  });

  test("notBefore: ISO 8601 with a zone or relative, rounded up to a whole second; anything else refused", () => {
    const now = Date.parse("2026-12-03T14:30:00.250Z");
    expect(parseNotBefore("+2m", now)).toBe(Date.parse("2026-12-03T14:32:01Z"));
    expect(parseNotBefore("+90s", Date.parse("2026-12-03T14:30:00Z"))).toBe(Date.parse("2026-12-03T14:31:30Z"));
    expect(parseNotBefore("2026-12-03T16:00:00.001+01:00", now)).toBe(Date.parse("2026-12-03T15:00:01Z"));
    expect(toCallFileSpec({ channel: "PJSIP/2001", application: "Wait", notBefore: "+1h" }, now).notBefore).toBe(Date.parse("2026-12-03T15:30:01Z"));
    for (const bad of ["tomorrow", "2026-12-03 14:00", "2026-12-03T14:00:00", "+2w", "2026-13-40T99:00:00Z"]) {
      expect(refusal({ channel: "PJSIP/2001", application: "Wait", notBefore: bad }).field).toBe("notBefore");
    }
  });
});
