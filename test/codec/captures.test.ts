/**
 * Every real Asterisk 22 capture decodes the same however the bytes are cut, and matches the
 * counts recorded in summary.json.
 */
import { describe, expect, test } from "bun:test";
import { decodeAll } from "../../core/decoder.ts";
import type { AmiMessage } from "../../core/message.ts";
import {
  byteChunks,
  captureNames,
  captureSummaries,
  countNames,
  decodeChunks,
  RANDOM_SPLITS,
  randomChunks,
  readFixture,
  snapshotMessage,
} from "./helpers.ts";
import type { StreamSnapshot } from "./helpers.ts";

const SLOW = 60_000;
const summaries = captureSummaries();

test("summary.json describes exactly the .raw captures on disk", () => {
  expect(summaries.map((s) => s.file).sort()).toEqual(captureNames());
  expect(captureNames().length).toBeGreaterThanOrEqual(18);
});

for (const summary of summaries) {
  describe(summary.file, () => {
    const bytes = readFixture(summary.file);
    let whole: StreamSnapshot | undefined;
    const wholeSnapshot = (): StreamSnapshot => (whole ??= decodeChunks([bytes], { banner: true }));

    test("the file is the size summary.json says", () => {
      expect(bytes.length).toBe(summary.bytes);
    });

    test("decodes whole: banner, no errors, counts match summary.json", () => {
      const stream = decodeAll(bytes, { banner: true });
      expect(stream.errors).toEqual([]);
      expect(stream.banner).toBe(summary.banner);
      expect(stream.messages.length).toBe(summary.messages);
      expect(countNames(stream.messages, "event")).toEqual(summary.events);
      expect(countNames(stream.messages, "response")).toEqual(summary.responses);
      // Every message is an event or a response, and none is empty.
      for (const message of stream.messages) {
        expect(["event", "response"]).toContain(message.kind);
        expect(message.size).toBeGreaterThan(0);
      }
    });

    test("decodes identically one byte at a time", () => {
      expect(decodeChunks(byteChunks(bytes), { banner: true })).toEqual(wholeSnapshot());
    }, SLOW);

    for (const { seed, maxChunk } of RANDOM_SPLITS) {
      test(`decodes identically at random split points (seed ${seed}, chunks ≤ ${maxChunk} bytes)`, () => {
        const chunks = randomChunks(bytes, seed, maxChunk);
        if (bytes.length > maxChunk) expect(chunks.length).toBeGreaterThan(1);
        expect(decodeChunks(chunks, { banner: true })).toEqual(wholeSnapshot());
      }, SLOW);
    }

    test("whole input: every message is a view of the input buffer at its own offset", () => {
      const stream = decodeAll(bytes, { banner: true });
      let searchFrom = 0;
      for (const message of stream.messages) {
        const view = message.bytes;
        expect(view.buffer).toBe(bytes.buffer);
        // The view lies inside the input, after the previous message, and begins with its first header.
        expect(view.byteOffset).toBeGreaterThanOrEqual(searchFrom);
        expect(view.byteOffset + view.length).toBeLessThanOrEqual(bytes.length);
        expect(view.length).toBeGreaterThan(0);
        searchFrom = view.byteOffset + view.length;
      }
    });

    test("split input: messages inside one chunk are views, messages across chunks are fresh copies", () => {
      const expected = wholeSnapshot();
      const chunks = randomChunks(bytes, 7, Math.max(8, Math.min(300, Math.floor(bytes.length / 4))));
      const stream = decodeAll(chunks, { banner: true });
      expect(stream.messages.length).toBe(expected.messages.length);
      let views = 0;
      let copies = 0;
      stream.messages.forEach((message: AmiMessage, i) => {
        const view = message.bytes;
        if (view.buffer === bytes.buffer) {
          views++;
        } else {
          copies++;
          // A fresh array holding exactly this message.
          expect(view.byteOffset).toBe(0);
          expect(view.buffer.byteLength).toBe(view.length);
        }
        expect(snapshotMessage(message)).toEqual(expected.messages[i]!);
      });
      expect(copies).toBeGreaterThan(0);
      if (bytes.length > 2000) expect(views).toBeGreaterThan(0);
    });

    test("byte by byte: every message is a copy that survives the input being overwritten", () => {
      const expected = wholeSnapshot();
      const input = bytes.slice();
      const stream = decodeAll(byteChunks(input), { banner: true });
      input.fill(0x3f); // headers are parsed lazily: a view into `input` would now read "????"
      expect(stream.messages.map(snapshotMessage)).toEqual(expected.messages);
      for (const message of stream.messages) expect(message.bytes.buffer).not.toBe(input.buffer);
    }, SLOW);
  });
}
