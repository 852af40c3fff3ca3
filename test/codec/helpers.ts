/**
 * Shared helpers for the codec tests: fixture loading, a seeded PRNG, chunking strategies and a
 * plain snapshot of what the decoder produced, so the same stream cut in different places can
 * be compared with one `toEqual`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { decodeAll } from "../../core/decoder.ts";
import type { DecodedStream, DecoderOptions } from "../../core/decoder.ts";
import type { AmiMessage } from "../../core/message.ts";

const FIXTURES = new URL("../fixtures/asterisk-22/", import.meta.url);

/** A fixture's bytes as a plain Uint8Array that owns its ArrayBuffer (not a pooled Buffer). */
export function readFixture(name: string): Uint8Array {
  const file = readFileSync(new URL(name, FIXTURES));
  const bytes = new Uint8Array(file.length);
  bytes.set(file);
  return bytes;
}

/** Names of every `*.raw` capture, sorted. */
export function captureNames(): string[] {
  return readdirSync(FIXTURES)
    .filter((name) => name.endsWith(".raw"))
    .sort();
}

/** One entry of summary.json for a `.raw` capture. */
export interface CaptureSummary {
  file: string;
  bytes: number;
  banner: string;
  messages: number;
  trailing_partial_bytes: number;
  crlf_only: boolean;
  responses: Record<string, number>;
  events: Record<string, number>;
}

/** summary.json, `.raw` entries only. */
export function captureSummaries(): CaptureSummary[] {
  const all = JSON.parse(new TextDecoder().decode(readFixture("summary.json"))) as Array<{ file: string }>;
  return all.filter((entry) => entry.file.endsWith(".raw")) as CaptureSummary[];
}

const textEncoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return textEncoder.encode(text);
}

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Views of `bytes` cut at the given offsets (sorted, deduplicated; 0 and length ignored). */
export function splitAt(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  const cuts = [...new Set(points)].filter((p) => p > 0 && p < bytes.length).sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const cut of cuts) {
    chunks.push(bytes.subarray(start, cut));
    start = cut;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

/** One-byte views of `bytes`. */
export function byteChunks(bytes: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i++) chunks.push(bytes.subarray(i, i + 1));
  return chunks;
}

/** Views of `bytes` of random lengths in [1, maxChunk], from a seeded PRNG. */
export function randomChunks(bytes: Uint8Array, seed: number, maxChunk: number): Uint8Array[] {
  const random = mulberry32(seed);
  const chunks: Uint8Array[] = [];
  let start = 0;
  while (start < bytes.length) {
    const length = 1 + Math.floor(random() * maxChunk);
    chunks.push(bytes.subarray(start, start + length));
    start += length;
  }
  return chunks;
}

/** Seeds and chunk sizes used for random splits: tiny chunks, medium ones, and large ones. */
export const RANDOM_SPLITS: ReadonlyArray<{ seed: number; maxChunk: number }> = [
  { seed: 1, maxChunk: 7 },
  { seed: 42, maxChunk: 64 },
  { seed: 1337, maxChunk: 700 },
  { seed: 20240601, maxChunk: 4096 },
  { seed: 0xdeadbeef, maxChunk: 65536 },
];

/** What a decoded message looks like, as plain data. */
export interface MessageSnapshot {
  kind: string;
  name: string;
  follows: boolean;
  headers: Array<[string, string]>;
  raw: string;
}

/** What a decoded stream looks like, as plain data. */
export interface StreamSnapshot {
  banner: string | undefined;
  messages: MessageSnapshot[];
  errors: Array<{ code: string; message: string }>;
}

/** Latin-1 view of bytes, so any byte sequence compares exactly. */
function rawText(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return text;
}

/** A message as plain data. */
export function snapshotMessage(message: AmiMessage): MessageSnapshot {
  return { kind: message.kind, name: message.name, follows: message.follows, headers: message.headers, raw: rawText(message.bytes) };
}

/** A decoded stream as plain data. */
export function snapshot(stream: DecodedStream): StreamSnapshot {
  return {
    banner: stream.banner,
    messages: stream.messages.map(snapshotMessage),
    errors: stream.errors.map((error) => ({ code: error.code, message: error.message })),
  };
}

/** Decodes chunks and snapshots the result. */
export function decodeChunks(chunks: Uint8Array[], options: DecoderOptions = {}): StreamSnapshot {
  return snapshot(decodeAll(chunks, options));
}

/**
 * Every way the tests cut a small synthetic input: whole, byte by byte, every single cut point,
 * every pair of cut points (inputs up to 200 bytes), and the seeded random splits.
 */
export function cuttings(bytes: Uint8Array): Array<{ label: string; chunks: Uint8Array[] }> {
  const ways: Array<{ label: string; chunks: Uint8Array[] }> = [{ label: "byte by byte", chunks: byteChunks(bytes) }];
  for (let i = 1; i < bytes.length; i++) ways.push({ label: `cut at ${i}`, chunks: splitAt(bytes, [i]) });
  if (bytes.length <= 200) {
    for (let i = 1; i < bytes.length; i++) {
      for (let j = i + 1; j < bytes.length; j++) ways.push({ label: `cut at ${i} and ${j}`, chunks: splitAt(bytes, [i, j]) });
    }
  }
  for (const { seed, maxChunk } of RANDOM_SPLITS) ways.push({ label: `seed ${seed}`, chunks: randomChunks(bytes, seed, maxChunk) });
  return ways;
}

/**
 * Decodes `bytes` whole, then every other way in {@link cuttings}, asserting through `same`
 * that each gives exactly the whole-input result; returns the whole-input result.
 */
export function decodeEveryWay(
  bytes: Uint8Array,
  options: DecoderOptions,
  same: (label: string, actual: StreamSnapshot, expected: StreamSnapshot) => void,
): StreamSnapshot {
  const whole = decodeChunks([bytes], options);
  for (const { label, chunks } of cuttings(bytes)) same(label, decodeChunks(chunks, options), whole);
  return whole;
}

/** Counts of `name` over messages of one kind. */
export function countNames(messages: readonly AmiMessage[], kind: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const message of messages) if (message.kind === kind) counts[message.name] = (counts[message.name] ?? 0) + 1;
  return counts;
}
