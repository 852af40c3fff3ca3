/** The push decoder over the life of a connection: end(), reset(), bufferedBytes, reuse. */
import { describe, expect, test } from "bun:test";
import { AmiDecoder } from "../../core/decoder.ts";
import type { DecoderOptions } from "../../core/decoder.ts";
import { byteChunks, utf8 } from "./helpers.ts";

function recorder(options: DecoderOptions = {}) {
  const log: string[] = [];
  const decoder = new AmiDecoder(
    {
      message: (m) => log.push(`message ${m.kind} ${m.name} ${m.size}`),
      banner: (line) => log.push(`banner ${line}`),
      error: (e) => log.push(`error ${e.code}`),
    },
    options,
  );
  return { decoder, log };
}

const BANNER = "Asterisk Call Manager/11.0.0\r\n";
const LOGIN = "Response: Success\r\nMessage: Authentication accepted\r\n\r\n";

describe("AmiDecoder lifecycle", () => {
  test("after end(), a decoder configured with banner: true expects the banner of the next stream", () => {
    const { decoder, log } = recorder({ banner: true });
    for (let round = 0; round < 2; round++) {
      decoder.push(utf8(BANNER + LOGIN));
      decoder.end();
    }
    expect(log).toEqual([
      "banner Asterisk Call Manager/11.0.0",
      "message response Success 2",
      "banner Asterisk Call Manager/11.0.0",
      "message response Success 2",
    ]);
  });

  test("after end() with a partial message: TRUNCATED, then the next stream decodes from its banner", () => {
    const { decoder, log } = recorder({ banner: true });
    decoder.push(utf8(`${BANNER}Response: Succ`));
    decoder.end();
    for (const chunk of byteChunks(utf8(BANNER + LOGIN))) decoder.push(chunk);
    decoder.end();
    expect(log).toEqual([
      "banner Asterisk Call Manager/11.0.0",
      "error TRUNCATED",
      "banner Asterisk Call Manager/11.0.0",
      "message response Success 2",
    ]);
  });

  test("end() while skipping an over-limit message reports nothing more, and the next stream decodes", () => {
    const { decoder, log } = recorder({ maxLineBytes: 10 });
    decoder.push(utf8("Event: X\r\nLong: 0123456789abcdef"));
    decoder.end();
    decoder.push(utf8("Event: Y\r\n\r\n"));
    expect(log).toEqual(["error LINE_TOO_LONG", "message event Y 1"]);
  });

  test("reset() drops a partial message silently and sets whether a banner comes", () => {
    const { decoder, log } = recorder({ banner: true });
    decoder.push(utf8(`${BANNER}Response: Suc`));
    expect(decoder.bufferedBytes).toBe("Response: Suc".length);
    decoder.reset(false);
    expect(decoder.bufferedBytes).toBe(0);
    decoder.push(utf8(LOGIN));
    decoder.end();
    decoder.push(utf8(LOGIN)); // still no banner expected after end()
    decoder.reset(true);
    decoder.push(utf8(BANNER + LOGIN));
    expect(log).toEqual([
      "banner Asterisk Call Manager/11.0.0",
      "message response Success 2",
      "message response Success 2",
      "banner Asterisk Call Manager/11.0.0",
      "message response Success 2",
    ]);
  });

  test("bufferedBytes counts the unfinished frame and drops to 0 once it is emitted", () => {
    const { decoder, log } = recorder();
    decoder.push(utf8("Event: A\r\nB: c\r\n"));
    expect(decoder.bufferedBytes).toBe(16);
    decoder.push(utf8("\r"));
    expect(decoder.bufferedBytes).toBe(17);
    decoder.push(utf8("\nEvent: Z"));
    expect(log).toEqual(["message event A 2"]);
    expect(decoder.bufferedBytes).toBe(8);
    decoder.push(utf8("\r\n\r\n"));
    expect(decoder.bufferedBytes).toBe(0);
    expect(log).toEqual(["message event A 2", "message event Z 1"]);
  });

  test("empty chunks are harmless", () => {
    const { decoder, log } = recorder({ banner: true });
    const empty = new Uint8Array(0);
    decoder.push(empty);
    decoder.push(utf8("Asterisk Call Manager/11.0.0\r"));
    decoder.push(empty);
    decoder.push(utf8("\nEvent: A\r\n\r"));
    decoder.push(empty);
    decoder.push(utf8("\n"));
    decoder.end();
    expect(log).toEqual(["banner Asterisk Call Manager/11.0.0", "message event A 1"]);
  });

  test("a sink without a banner callback still skips the banner", () => {
    const messages: string[] = [];
    const decoder = new AmiDecoder({ message: (m) => messages.push(m.name), error: (e) => messages.push(e.code) }, { banner: true });
    decoder.push(utf8(BANNER + LOGIN));
    expect(messages).toEqual(["Success"]);
  });

  test("limits default to DEFAULT_DECODER_LIMITS and can be overridden one by one", () => {
    const decoder = new AmiDecoder({ message: () => {}, error: () => {} }, { maxHeaders: 7 });
    expect(decoder.limits).toEqual({ maxLineBytes: 1024 * 1024, maxHeaders: 7, maxMessageBytes: 16 * 1024 * 1024 });
  });
});
