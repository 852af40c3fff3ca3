/**
 * Regression tests for what fuzzing found (issue 12): limits enforced the same way wherever the
 * input is cut, a Follows frame in small pieces decoded in linear work, and memory bounded by the
 * bytes really held when a frame arrives one byte at a time.
 */
import { describe, expect, test } from "bun:test";
import { AmiDecoder } from "../../core/decoder.ts";
import type { DecoderOptions } from "../../core/decoder.ts";
import { byteChunks, cuttings, decodeChunks, splitAt, utf8 } from "./helpers.ts";
import type { StreamSnapshot } from "./helpers.ts";

type Shape = { banner: string | undefined; headers: Array<Array<[string, string]>>; codes: string[] };
const shape = (s: StreamSnapshot): Shape => ({ banner: s.banner, headers: s.messages.map((m) => m.headers), codes: s.errors.map((e) => e.code) });

/** Decodes whole, at the given cut, and every other way; all must agree with `expected`. */
function expectEveryCut(text: string, options: DecoderOptions, cut: number, expected: Shape): void {
  const bytes = utf8(text);
  expect(shape(decodeChunks([bytes], options))).toEqual(expected);
  expect({ cut, ...shape(decodeChunks(splitAt(bytes, [cut]), options)) }).toEqual({ cut, ...expected });
  for (const { label, chunks } of cuttings(bytes)) expect({ label, ...shape(decodeChunks(chunks, options)) }).toEqual({ label, ...expected });
}

describe("limits do not depend on where the input is cut", () => {
  test("a banner longer than maxLineBytes is still a banner, cut at 25 or anywhere", () => {
    const text = "Asterisk Call Manager/11.0.0\r\nResponse: Success\r\nActionID: 1\r\n\r\n";
    expectEveryCut(text, { banner: true, maxLineBytes: 20 }, 25, {
      banner: "Asterisk Call Manager/11.0.0",
      headers: [[["Response", "Success"], ["ActionID", "1"]]],
      codes: [],
    });
  });

  test("an over-long banner is BANNER_INVALID at every cut, and the next message survives", () => {
    const text = `Asterisk Call Manager/${"9".repeat(1100)}\r\nResponse: Success\r\nActionID: 1\r\n\r\n`;
    const bytes = utf8(text);
    const expected: Shape = { banner: undefined, headers: [[["Response", "Success"], ["ActionID", "1"]]], codes: ["BANNER_INVALID"] };
    for (const chunks of [[bytes], splitAt(bytes, [600]), splitAt(bytes, [1024, 1026]), byteChunks(bytes)]) {
      expect(shape(decodeChunks(chunks, { banner: true, maxLineBytes: 20 }))).toEqual(expected);
    }
  });

  test("a CRLF after a bare-LF value counts toward maxMessageBytes: one error, and `Event: Next` survives (cut at 16)", () => {
    expectEveryCut("Event: X\nA: 1\n\r\n\r\nEvent: Next\r\n\r\n", { maxMessageBytes: 14 }, 16, {
      banner: undefined,
      headers: [[["Event", "Next"]]],
      codes: ["MESSAGE_TOO_LARGE"],
    });
  });

  test("a line over both limits is LINE_TOO_LONG, cut at 12 or anywhere", () => {
    expectEveryCut("Event: 123456789012\r\n\r\nE: N\r\n\r\n", { maxLineBytes: 15, maxMessageBytes: 10 }, 12, {
      banner: undefined,
      headers: [[["E", "N"]]],
      codes: ["LINE_TOO_LONG"],
    });
  });

  test("a third header over both limits is TOO_MANY_HEADERS, cut at 28 or anywhere", () => {
    expectEveryCut("Event: X\r\nA: 1\r\nB: 2234567890\r\n\r\nEvent: Next\r\n\r\n", { maxHeaders: 2, maxMessageBytes: 24 }, 28, {
      banner: undefined,
      headers: [[["Event", "Next"]]],
      codes: ["TOO_MANY_HEADERS"],
    });
  });

  test("a Follows reply over the limit is skipped to its end marker, not to its first empty body line", () => {
    const reply = "Response: Follows\r\nPrivilege: Command\r\nline one\n\nline three\n--END COMMAND--\r\n\r\n";
    const text = `${reply}Event: Next\r\n\r\n`;
    expectEveryCut(text, { maxMessageBytes: 50 }, 45, { banner: undefined, headers: [[["Event", "Next"]]], codes: ["MESSAGE_TOO_LARGE"] });
  });
});

/** A pre-14 `Response: Follows` reply of about `bytes` bytes whose body lines end in CRLF. */
function followsFrame(bytes: number): Uint8Array {
  const lines: string[] = ["Response: Follows\r\nPrivilege: Command\r\n"];
  let size = lines[0]!.length;
  for (let i = 0; size < bytes; i++) {
    const line = `SIP/trunk-${String(i).padStart(8, "0")} Up\r\n`;
    lines.push(line);
    size += line.length;
  }
  lines.push("--END COMMAND--\r\n\r\n");
  return utf8(lines.join(""));
}

/** Cuts right after every CR. */
function cutAfterEveryCr(bytes: Uint8Array): Uint8Array[] {
  const points: number[] = [];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0d) points.push(i + 1);
  return splitAt(bytes, points);
}

function eightByteChunks(bytes: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += 8) chunks.push(bytes.subarray(i, i + 8));
  return chunks;
}

describe("work and memory are linear in the bytes, whatever the chunking", () => {
  const frame = followsFrame(416 * 1024);

  for (const [label, chunks] of [["one chunk", [frame]], ["cut after every CR", cutAfterEveryCr(frame)], ["8-byte chunks", eightByteChunks(frame)], ["byte by byte", byteChunks(frame)]] as const) {
    test(`a 416 KB Follows reply, ${label}: one message, each byte copied a bounded number of times`, () => {
      const messages: number[] = [];
      const decoder = new AmiDecoder({ message: (m) => messages.push(m.size), error: (e) => { throw e; } });
      for (const chunk of chunks) decoder.push(chunk);
      decoder.end();
      expect(messages.length).toBe(1);
      expect(messages[0]).toBeGreaterThan(16_000);
      // The old end-marker check copied the whole held frame for every short line: gigabytes here.
      expect(decoder.copiedBytes).toBeLessThanOrEqual(4 * frame.length);
    });
  }

  test("a 4 MiB frame pushed one byte at a time reserves at most twice the bytes it holds", () => {
    const decoder = new AmiDecoder({ message() {}, error: (e) => { throw e; } });
    const line = utf8(`Data: ${"x".repeat(1000)}\r\n`);
    decoder.push(utf8("Event: Big\r\n"));
    let held = 12;
    let worst = 0;
    const one = new Uint8Array(1);
    while (held < 4 * 1024 * 1024) {
      for (const byte of line) {
        // A fresh one-byte chunk each time, as a socket would hand them out.
        const chunk = one.slice();
        chunk[0] = byte;
        decoder.push(chunk);
      }
      held += line.length;
      expect(decoder.bufferedBytes).toBe(held);
      worst = Math.max(worst, decoder.reservedBytes / decoder.bufferedBytes);
    }
    expect(worst).toBeLessThanOrEqual(2);
  }, 60_000);
});
