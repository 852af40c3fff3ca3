/**
 * Property tests of the codec (fast-check): the decoder gives the same messages, banner and
 * error codes however its input is cut, under random limits; its memory stays within the limits
 * whatever the chunking; encoding then decoding gives back the headers; and the header accessors
 * agree with each other. Bounded in `npm test`; `npm run fuzz` runs them for as long as asked.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { equalsIgnoringAsciiCase } from "../../core/ascii.ts";
import { AmiDecoder } from "../../core/decoder.ts";
import type { DecoderOptions } from "../../core/decoder.ts";
import { encodeHeaders } from "../../core/encoder.ts";
import { AmiMessage } from "../../core/message.ts";
import { checkProperty, fuzzTimeout } from "../support/fuzz.ts";
import { byteChunks, decodeChunks, splitAt, utf8 } from "./helpers.ts";
import type { StreamSnapshot } from "./helpers.ts";

/** Lines that make real AMI shapes (Follows replies, bare-LF values, banners) likely, plus junk. */
const fragment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("Event: X", "Response: Success", "Response: Follows", "Privilege: Command", "ActionID: 1", "--END COMMAND--", "x--END COMMAND--", "Output: line", "Message: text", "A: 1", "Asterisk Call Manager/11.0.0", "", " ", ":", "İ: x", "key:value") },
  { weight: 2, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }).map((s) => `K: ${s}`) },
  { weight: 1, arbitrary: fc.nat(120).map((n) => `V: ${"x".repeat(n)}`) },
);
const lineEnd = fc.constantFrom("\r\n", "\r\n", "\n", "\r", "\r\n\r\n", "\r\n\r\n", "\n\r\n", "\n\n", "");
const amiText = fc.array(fc.tuple(fragment, lineEnd), { maxLength: 30 }).map((parts) => parts.map(([line, end]) => line + end).join(""));
/** Mostly AMI-like text, sometimes raw bytes rich in CR and LF. */
const amiBytes = fc.oneof(
  { weight: 5, arbitrary: amiText.map(utf8) },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.constantFrom(0x0a, 0x0d, 0x3a, 0x20), fc.integer({ min: 0, max: 255 })), { maxLength: 300 }).map((a) => Uint8Array.from(a)) },
);
const limits: fc.Arbitrary<DecoderOptions> = fc.record(
  {
    banner: fc.boolean(),
    maxLineBytes: fc.integer({ min: 0, max: 80 }),
    maxHeaders: fc.integer({ min: 0, max: 8 }),
    maxMessageBytes: fc.integer({ min: 0, max: 300 }),
  },
  { requiredKeys: ["banner"] },
);

/** What must not depend on the cutting: the banner, every message, and the error codes in order. */
const shape = (s: StreamSnapshot) => ({ banner: s.banner, messages: s.messages, codes: s.errors.map((e) => e.code) });

/** Pushes chunks one by one, asserting the held bytes and the reserved memory stay within their bounds. */
function pushBounded(chunks: Uint8Array[], options: DecoderOptions): void {
  const decoder = new AmiDecoder({ message() {}, error() {}, banner() {} }, options);
  const limit = Math.max((options.maxMessageBytes ?? 16 * 1024 * 1024) + 1, options.banner ? 1025 : 0);
  let input = 0;
  for (const chunk of chunks) {
    decoder.push(chunk);
    input += chunk.length;
    // Plain comparisons: this runs for every byte, and only a failure needs expect's report.
    if (decoder.bufferedBytes > limit) expect(decoder.bufferedBytes).toBeLessThanOrEqual(limit);
    if (decoder.reservedBytes > Math.max(64 * 1024, 2 * limit)) expect(decoder.reservedBytes).toBeLessThanOrEqual(Math.max(64 * 1024, 2 * limit));
  }
  // Linear: every byte is copied a bounded number of times, whatever the cutting.
  expect(decoder.copiedBytes).toBeLessThanOrEqual(6 * input + 512);
}

describe("decoder properties", () => {
  test("split invariance: whole = random cuts = byte by byte, for messages, banners and error codes", () => {
    checkProperty(
      "split invariance",
      fc.property(amiBytes, fc.array(fc.nat(), { maxLength: 12 }), limits, (bytes, cuts, options) => {
        const whole = shape(decodeChunks([bytes], options));
        const points = cuts.map((cut) => (bytes.length === 0 ? 0 : cut % bytes.length));
        expect(shape(decodeChunks(splitAt(bytes, points), options))).toEqual(whole);
        expect(shape(decodeChunks(byteChunks(bytes), options))).toEqual(whole);
      }),
      400,
    );
  }, fuzzTimeout(60_000));

  test("memory: held bytes within the limits, reserved memory within twice that, copies linear, at any cutting", () => {
    checkProperty(
      "bounded memory",
      fc.property(amiBytes, fc.array(fc.nat(), { maxLength: 12 }), limits, (bytes, cuts, options) => {
        pushBounded(splitAt(bytes, cuts.map((cut) => (bytes.length === 0 ? 0 : cut % bytes.length))), options);
        pushBounded(byteChunks(bytes), options);
      }),
      300,
    );
  }, fuzzTimeout(60_000));
});

/** A header name the encoder accepts: no CR, LF, colon or control character, no outer blanks. */
const headerName = fc.string({ unit: "binary", minLength: 1, maxLength: 12 }).filter((name) => name.trim() === name && !/[\x00-\x1f\x7f:]/.test(name));
/** A value that survives the wire: no CR or LF, and no leading blank (the decoder strips those). */
const headerValue = fc.string({ unit: "binary", maxLength: 40 }).filter((value) => !/[\r\n]/.test(value) && !/^[ \t]/.test(value));

describe("encoder/decoder round trip", () => {
  test("decode(encode(headers)) gives back the same headers, in order", () => {
    checkProperty(
      "round trip",
      fc.property(fc.array(fc.tuple(headerName, headerValue), { maxLength: 20 }), fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() === s && !/[\r\n]/.test(s)), (pairs, action) => {
        const headers: Array<[string, string]> = [["Action", action], ...pairs];
        const bytes = encodeHeaders(headers);
        for (const chunks of [[bytes], byteChunks(bytes)]) {
          const { messages, errors } = decodeChunks(chunks);
          expect(errors).toEqual([]);
          expect(messages.map((m) => m.headers)).toEqual([headers]);
        }
      }),
      300,
    );
  }, fuzzTimeout(30_000));
});

/** Names whose case folding differs between ASCII and Unicode rules. */
const trickyName = fc.constantFrom("Event", "EVENT", "event", "İ", "i̇", "I", "i", "K", "k", "\u212a", "ß", "SS", "ss", "Straße", "STRASSE", "Ǆ", "ǆ", "Channel", "CHANNEL", "ChanneL");

describe("header accessors", () => {
  test("get, getAll, has and toObject agree, folding ASCII case only", () => {
    checkProperty(
      "accessor consistency",
      fc.property(fc.array(fc.tuple(fc.oneof(trickyName, headerName), headerValue), { minLength: 1, maxLength: 12 }), (pairs) => {
        const headers: Array<[string, string]> = [["Event", "Test"], ...pairs];
        const decoded = decodeChunks([encodeHeaders(headers)]);
        expect(decoded.errors).toEqual([]);
        const fromBytes = new AmiMessage(encodeHeaders(headers).subarray(0, -2), "Event: Test".length);
        // What every accessor should say, computed by the ASCII rule, then compared in one expect per run.
        const distinct: string[] = [];
        for (const [name] of headers) if (!distinct.some((d) => equalsIgnoringAsciiCase(d, name))) distinct.push(name);
        const valuesOf = (name: string) => headers.filter(([other]) => equalsIgnoringAsciiCase(other, name)).map(([, value]) => value);
        const spellings = headers.flatMap(([name]) => [name, name.toUpperCase(), name.toLowerCase()].filter((spelling) => equalsIgnoringAsciiCase(spelling, name)));
        const expected = {
          keys: distinct,
          object: Object.fromEntries(distinct.map((key): [string, string | string[]] => [key, valuesOf(key).length === 1 ? valuesOf(key)[0]! : valuesOf(key)])),
          lookups: spellings.map((spelling) => ({ spelling, all: valuesOf(spelling), first: valuesOf(spelling)[0], has: true })),
        };
        for (const message of [fromBytes, AmiMessage.from(headers)]) {
          const object = message.toObject();
          const actual = {
            keys: Object.keys(object),
            object,
            lookups: spellings.map((spelling) => ({ spelling, all: message.getAll(spelling), first: message.get(spelling), has: message.has(spelling) })),
          };
          expect(actual).toEqual(expected);
        }
      }),
      300,
    );
  }, fuzzTimeout(30_000));

  test("a name whose Unicode lower case changes length is matched by ASCII rules only (İ is not i̇, K is not \u212a)", () => {
    const message = AmiMessage.from([["İ", "dotted"], ["i̇", "combining"], ["\u212a", "kelvin"], ["K", "ascii"]]);
    expect(message.get("İ")).toBe("dotted");
    expect(message.getAll("i̇")).toEqual(["combining"]);
    expect(message.get("k")).toBe("ascii");
    expect(message.getAll("\u212a")).toEqual(["kelvin"]);
    expect(message.toObject()).toEqual({ İ: "dotted", "i̇": "combining", "\u212a": "kelvin", K: "ascii" });
  });
});
