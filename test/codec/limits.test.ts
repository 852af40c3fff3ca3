/**
 * The decoder's limits and hostile input: every violation is an error naming the limit and what
 * came, memory stays bounded, nothing throws, and the next message still decodes.
 */
import { describe, expect, test } from "bun:test";
import { AmiDecoder, decodeAll, DEFAULT_DECODER_LIMITS } from "../../core/decoder.ts";
import type { DecoderOptions } from "../../core/decoder.ts";
import type { AmiError } from "../../core/errors.ts";
import type { AmiMessage } from "../../core/message.ts";
import { byteChunks, cuttings, decodeChunks, decodeEveryWay, mulberry32, randomChunks, RANDOM_SPLITS, utf8 } from "./helpers.ts";
import type { StreamSnapshot } from "./helpers.ts";

const SLOW = 60_000;
const NEXT = "Event: Next\r\nN: 1\r\n\r\n";
const NEXT_HEADERS: Array<[string, string]> = [["Event", "Next"], ["N", "1"]];

/** A decoder that records what it produced, and the largest `bufferedBytes` seen after a push. */
function recorder(options: DecoderOptions = {}) {
  const messages: AmiMessage[] = [];
  const errors: AmiError[] = [];
  const banners: string[] = [];
  const decoder = new AmiDecoder(
    { message: (m) => messages.push(m), error: (e) => errors.push(e), banner: (b) => banners.push(b) },
    options,
  );
  let maxBuffered = 0;
  const push = (chunk: Uint8Array) => {
    decoder.push(chunk);
    maxBuffered = Math.max(maxBuffered, decoder.bufferedBytes);
  };
  return { decoder, messages, errors, banners, push, maxBuffered: () => maxBuffered };
}

/** The integers in an error message, in order. */
const numbersIn = (message: string): number[] => (message.match(/\d+/g) ?? []).map(Number);

/** Decodes every way and checks all agree exactly (messages and error texts). */
function decodeSame(text: string | Uint8Array, options: DecoderOptions = {}): StreamSnapshot {
  return decodeEveryWay(typeof text === "string" ? utf8(text) : text, options, (label, actual, expected) => {
    expect({ label, ...actual }).toEqual({ label, ...expected });
  });
}

/** Decodes every way and checks messages and error codes agree (error texts may differ). */
function decodeSameCodes(text: string, options: DecoderOptions): StreamSnapshot {
  const bytes = utf8(text);
  const whole = decodeChunks([bytes], options);
  const shape = (s: StreamSnapshot) => ({ banner: s.banner, messages: s.messages, codes: s.errors.map((e) => e.code) });
  for (const { label, chunks } of cuttings(bytes)) {
    expect({ label, ...shape(decodeChunks(chunks, options)) }).toEqual({ label, ...shape(whole) });
  }
  return whole;
}

describe("garbage", () => {
  function garbage(seed: number, length: number): Uint8Array {
    const random = mulberry32(seed);
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) bytes[i] = random() < 0.04 ? 0x0a : Math.floor(random() * 256);
    return bytes;
  }
  const withNext = (junk: Uint8Array): Uint8Array => {
    const tail = utf8(`\r\n\r\n${NEXT}`);
    const bytes = new Uint8Array(junk.length + tail.length);
    bytes.set(junk);
    bytes.set(tail, junk.length);
    return bytes;
  };

  for (const seed of [1, 2, 3, 99, 12345]) {
    test(`random binary with LFs (seed ${seed}): unknown messages, no throw, same at every split, next message decodes`, () => {
      const bytes = withNext(garbage(seed, 64 * 1024));
      const whole = decodeAll(bytes, { banner: true });
      expect(whole.errors).toEqual([]);
      expect(whole.banner).toBeDefined();
      const last = whole.messages[whole.messages.length - 1]!;
      expect(last.headers).toEqual(NEXT_HEADERS);
      expect(whole.messages.length).toBeGreaterThan(10);
      for (const message of whole.messages.slice(0, -1)) {
        expect(message.kind).toBe("unknown");
        // Reading a garbage message never throws.
        expect(() => [message.name, message.headers, message.toObject(), message.get("Event"), message.size]).not.toThrow();
        expect(message.bytes.length).toBeGreaterThan(0);
      }
      const expected = decodeChunks([bytes], { banner: true });
      expect(decodeChunks(byteChunks(bytes), { banner: true })).toEqual(expected);
      for (const { seed: s, maxChunk } of RANDOM_SPLITS) expect(decodeChunks(randomChunks(bytes, s, maxChunk), { banner: true })).toEqual(expected);
    }, SLOW);

    test(`random binary with LFs (seed ${seed}) under tight limits: errors, no throw, next message decodes`, () => {
      const bytes = withNext(garbage(seed, 16 * 1024));
      const options = { maxLineBytes: 40, maxHeaders: 3, maxMessageBytes: 100 };
      for (const chunks of [[bytes], byteChunks(bytes), randomChunks(bytes, seed, 50)]) {
        const stream = decodeAll(chunks, options);
        expect(stream.errors.length).toBeGreaterThan(0);
        for (const error of stream.errors) expect(["LINE_TOO_LONG", "TOO_MANY_HEADERS", "MESSAGE_TOO_LARGE"]).toContain(error.code);
        expect(stream.messages[stream.messages.length - 1]!.headers).toEqual(NEXT_HEADERS);
      }
    });
  }

  test("a line without a colon becomes a header with an empty name, not an exception", () => {
    const stream = decodeSame(`Event: X\r\nno colon here\r\n\r\n${NEXT}`);
    expect(stream.messages[0]!.headers).toEqual([["Event", "X"], ["", "no colon here"]]);
    expect(stream.messages[1]!.headers).toEqual(NEXT_HEADERS);
  });

  test("a message of 99 999 colon-less long lines parses in linear time", () => {
    // 99 999 lines of 150 bytes: ~15 MB, under every default limit. A parser that searches for
    // each line's colon through the rest of the message takes tens of seconds here.
    const text = `Event: X\r\n${`${"y".repeat(148)}\r\n`.repeat(99_999)}\r\n`;
    const stream = decodeAll(utf8(text));
    expect(stream.errors).toEqual([]);
    const started = performance.now();
    expect(stream.messages[0]!.size).toBe(100_000);
    expect(stream.messages[0]!.get("missing")).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(3_000);
  }, SLOW);
});

describe("LINE_TOO_LONG", () => {
  test("a 10 MB line streamed in 64 KiB chunks: one error, bounded buffer, next message decodes", () => {
    const limit = DEFAULT_DECODER_LIMITS.maxLineBytes;
    const head = "Event: Big\r\nData: ";
    const r = recorder();
    r.push(utf8(head));
    const block = new Uint8Array(64 * 1024).fill(0x78);
    let sent = 0;
    let bufferedAfterError = 0;
    while (sent < 10 * 1024 * 1024) {
      r.push(block);
      sent += block.length;
      if (r.errors.length > 0) bufferedAfterError = Math.max(bufferedAfterError, r.decoder.bufferedBytes);
    }
    r.push(utf8(`\r\n\r\n${NEXT}`));
    r.decoder.end();
    // Never more than one line's worth (plus the header line before it and a pending CR).
    expect(r.maxBuffered()).toBeLessThanOrEqual(limit + 1 + head.length);
    expect(bufferedAfterError).toBe(0);
    expect(r.errors.map((e) => e.code)).toEqual(["LINE_TOO_LONG"]);
    const [expected, got] = numbersIn(r.errors[0]!.message);
    expect(expected).toBe(limit);
    expect(got).toBeGreaterThan(limit);
    expect(r.messages.map((m) => m.headers)).toEqual([NEXT_HEADERS]);
  }, SLOW);

  test("a 10 MB line in one chunk: the error gives the exact line length", () => {
    const line = `Data: ${"x".repeat(10 * 1024 * 1024)}`;
    const stream = decodeAll(utf8(`Event: Big\r\n${line}\r\nMore: 1\r\n\r\n${NEXT}`));
    expect(stream.errors.map((e) => e.code)).toEqual(["LINE_TOO_LONG"]);
    expect(numbersIn(stream.errors[0]!.message)).toEqual([DEFAULT_DECODER_LIMITS.maxLineBytes, line.length]);
    expect(stream.messages.map((m) => m.headers)).toEqual([NEXT_HEADERS]);
  }, SLOW);

  test("a line of exactly maxLineBytes is accepted at every split; one byte more is refused", () => {
    const options = { maxLineBytes: 20 };
    const ok = decodeSame(`Event: X\r\nK: ${"v".repeat(17)}\r\n\r\n${NEXT}`, options);
    expect(ok.errors).toEqual([]);
    expect(ok.messages.map((m) => m.headers)).toEqual([[["Event", "X"], ["K", "v".repeat(17)]], NEXT_HEADERS]);
    const bad = decodeSameCodes(`Event: X\r\nK: ${"v".repeat(18)}\r\nL: 1\r\n\r\n${NEXT}`, options);
    expect(bad.errors.map((e) => e.code)).toEqual(["LINE_TOO_LONG"]);
    expect(numbersIn(bad.errors[0]!.message)).toEqual([20, 21]);
    expect(bad.messages.map((m) => m.headers)).toEqual([NEXT_HEADERS]);
  });

  test("bare-LF lines are measured the same way", () => {
    const ok = decodeSame(`Event: X\nK: ${"v".repeat(17)}\n\n${NEXT}`, { maxLineBytes: 20 });
    expect(ok.errors).toEqual([]);
    expect(ok.messages.length).toBe(2);
  });
});

describe("TOO_MANY_HEADERS", () => {
  const many = (lines: number) => `Event: Many\r\n${"H: v\r\n".repeat(lines - 1)}\r\n`;

  test(`exactly the default ${DEFAULT_DECODER_LIMITS.maxHeaders} lines is accepted`, () => {
    const stream = decodeAll(utf8(many(DEFAULT_DECODER_LIMITS.maxHeaders) + NEXT));
    expect(stream.errors).toEqual([]);
    expect(stream.messages[0]!.size).toBe(DEFAULT_DECODER_LIMITS.maxHeaders);
    expect(stream.messages[1]!.headers).toEqual(NEXT_HEADERS);
  }, SLOW);

  test(`${DEFAULT_DECODER_LIMITS.maxHeaders + 1} lines with default limits: error, next message decodes`, () => {
    const bytes = utf8(many(DEFAULT_DECODER_LIMITS.maxHeaders + 1) + NEXT);
    for (const chunks of [[bytes], randomChunks(bytes, 5, 65536), randomChunks(bytes, 6, 100)]) {
      const stream = decodeAll(chunks);
      expect(stream.errors.map((e) => e.code)).toEqual(["TOO_MANY_HEADERS"]);
      const numbers = numbersIn(stream.errors[0]!.message);
      expect(numbers[0]).toBe(DEFAULT_DECODER_LIMITS.maxHeaders);
      expect(numbers[1]).toBe(DEFAULT_DECODER_LIMITS.maxHeaders + 1);
      expect(stream.messages.map((m) => m.headers)).toEqual([NEXT_HEADERS]);
    }
  }, SLOW);

  test("with maxHeaders 3: 3 lines pass and 4 fail, the same at every split", () => {
    const stream = decodeSame(`${many(3)}${many(4)}${NEXT}`, { maxHeaders: 3 });
    expect(stream.errors.map((e) => e.code)).toEqual(["TOO_MANY_HEADERS"]);
    expect(numbersIn(stream.errors[0]!.message)).toEqual([3, 4]);
    expect(stream.messages.map((m) => m.headers.length)).toEqual([3, 2]);
    expect(stream.messages[1]!.headers).toEqual(NEXT_HEADERS);
  });

  test("empty body lines of a Follows reply count as lines", () => {
    const stream = decodeSame(`Response: Follows\r\nPrivilege: Command\r\n\n\n\n--END COMMAND--\r\n\r\n${NEXT}`, { maxHeaders: 5 });
    expect(stream.errors.map((e) => e.code)).toEqual(["TOO_MANY_HEADERS"]);
    expect(stream.messages.map((m) => m.headers)).toEqual([NEXT_HEADERS]);
  });
});

describe("MESSAGE_TOO_LARGE", () => {
  const frame = "Response: Success\r\nMessage: 0123456789\r\n"; // 40 bytes without the blank line

  test("a message of exactly maxMessageBytes is accepted at every split; one byte more is refused", () => {
    expect(frame.length).toBe(40);
    const ok = decodeSame(`${frame}\r\n${NEXT}`, { maxMessageBytes: 40 });
    expect(ok.errors).toEqual([]);
    expect(ok.messages.map((m) => m.raw)).toEqual([frame, "Event: Next\r\nN: 1\r\n"]);
    const bad = decodeSame(`${frame}\r\n${NEXT}`, { maxMessageBytes: 39 });
    expect(bad.errors.map((e) => e.code)).toEqual(["MESSAGE_TOO_LARGE"]);
    expect(bad.messages.map((m) => m.headers)).toEqual([NEXT_HEADERS]);
  });

  test("a message over a small limit: error naming the limit and the size reached, next message decodes", () => {
    const big = `Event: Big\r\n${"Header: 0123456789\r\n".repeat(20)}\r\n`;
    const stream = decodeSameCodes(`${big}${NEXT}`, { maxMessageBytes: 100 });
    expect(stream.errors.map((e) => e.code)).toEqual(["MESSAGE_TOO_LARGE"]);
    const [limit, reached] = numbersIn(stream.errors[0]!.message);
    expect(limit).toBe(100);
    expect(reached).toBeGreaterThan(100);
    expect(stream.messages.map((m) => m.headers)).toEqual([NEXT_HEADERS]);
  });

  test("streaming a huge message keeps bufferedBytes within the limit", () => {
    const r = recorder({ maxMessageBytes: 4096 });
    r.push(utf8("Event: Flood\r\n"));
    for (let i = 0; i < 2000; i++) r.push(utf8(`Header${i}: ${"z".repeat(50)}\r\n`));
    r.push(utf8(`\r\n${NEXT}`));
    expect(r.maxBuffered()).toBeLessThanOrEqual(4096 + 1);
    expect(r.errors.map((e) => e.code)).toEqual(["MESSAGE_TOO_LARGE"]);
    expect(r.messages.map((m) => m.headers)).toEqual([NEXT_HEADERS]);
  });
});

describe("TRUNCATED", () => {
  test("end() with a partial message reports it with its size, and drops it", () => {
    const partial = "Response: Success\r\nActionID: 12\r\nMess";
    for (const chunks of [[utf8(partial)], byteChunks(utf8(partial))]) {
      const stream = decodeAll(chunks);
      expect(stream.messages).toEqual([]);
      expect(stream.errors.map((e) => e.code)).toEqual(["TRUNCATED"]);
      expect(numbersIn(stream.errors[0]!.message)[0]).toBe(partial.length);
      expect(stream.errors[0]!.message).toContain("Response: Success");
    }
  });

  test("end() after complete messages reports nothing", () => {
    // Trailing blank lines, even one whose CR and LF arrive in different chunks, are not a partial message.
    const stream = decodeSame(`${NEXT}${NEXT}\r\n\n\r\n`);
    expect(stream.errors).toEqual([]);
    expect(stream.messages.length).toBe(2);
  });

  test("end() with headers but no blank line yet is TRUNCATED", () => {
    const stream = decodeSame("Event: X\r\nA: 1\r\n");
    expect(stream.messages).toEqual([]);
    expect(stream.errors.map((e) => e.code)).toEqual(["TRUNCATED"]);
  });

  test("end() in a Follows body before the marker is TRUNCATED", () => {
    const stream = decodeSame("Response: Follows\r\nPrivilege: Command\r\nline\n\n");
    expect(stream.messages).toEqual([]);
    expect(stream.errors.map((e) => e.code)).toEqual(["TRUNCATED"]);
  });
});

describe("BANNER_INVALID", () => {
  test("an over-long banner: error, and the message after it still decodes, at every split", () => {
    const stream = decodeSameCodes(`Asterisk Call Manager/${"9".repeat(2000)}\r\n${NEXT}`, { banner: true });
    expect(stream.banner).toBeUndefined();
    expect(stream.errors.map((e) => e.code)).toEqual(["BANNER_INVALID"]);
    const numbers = numbersIn(stream.errors[0]!.message);
    expect(numbers).toContain(1024);
    expect(numbers[numbers.length - 1]).toBe(22 + 2000);
    expect(stream.messages.map((m) => m.headers)).toEqual([NEXT_HEADERS]);
  });

  test("a banner of exactly 1024 bytes is accepted at every split", () => {
    const banner = `Asterisk Call Manager/${"1".repeat(1024 - 22)}`;
    expect(banner.length).toBe(1024);
    const stream = decodeSame(`${banner}\r\n${NEXT}`, { banner: true });
    expect(stream.errors).toEqual([]);
    expect(stream.banner).toBe(banner);
    expect(stream.messages.map((m) => m.headers)).toEqual([NEXT_HEADERS]);
  });

  test("an over-long banner streamed in chunks does not buffer it", () => {
    const r = recorder({ banner: true });
    for (let i = 0; i < 100; i++) r.push(new Uint8Array(1000).fill(0x41));
    r.push(utf8(`\r\n${NEXT}`));
    expect(r.maxBuffered()).toBeLessThanOrEqual(1025);
    expect(r.errors.map((e) => e.code)).toEqual(["BANNER_INVALID"]);
    expect(r.banners).toEqual([]);
    expect(r.messages.map((m) => m.headers)).toEqual([NEXT_HEADERS]);
  });
});
