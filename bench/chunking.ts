/**
 * Chunking benchmark: the same bytes decoded whole and cut in ever smaller pieces, so the ratios
 * show whether work and memory stay linear whatever TCP does with the bytes (issue 12: a Follows
 * reply cut after every CR used to take 17 s for 416 KB; a frame pushed one byte at a time held
 * 100 bytes of heap per byte).
 *
 *   bun bench/chunking.ts [--kb 416]          node --import tsx --expose-gc bench/chunking.ts
 *
 * Rows: a pre-14 `Response: Follows` reply of `--kb` KB in one chunk (the baseline), cut after
 * every CR, in 8-byte chunks and byte by byte: median time of 5 runs, ratio to one chunk, bytes
 * copied per input byte. Then a 4 MiB event frame pushed one byte at a time: heap growth while it
 * is held, per byte held (after a GC where the runtime exposes one).
 */
import process from "node:process";
import { AmiDecoder } from "../core/decoder.ts";

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const kb = arg("kb", 416);
const encoder = new TextEncoder();

function followsFrame(bytes: number): Uint8Array {
  let text = "Response: Follows\r\nPrivilege: Command\r\n";
  for (let i = 0; text.length < bytes; i++) text += `SIP/trunk-${String(i).padStart(8, "0")} Up\r\n`;
  return encoder.encode(`${text}--END COMMAND--\r\n\r\n`);
}

function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(start, p));
    start = p;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

// Memory first, before the timed rows allocate their chunk lists.
const gc = (globalThis as { gc?: () => void }).gc ?? (globalThis as { Bun?: { gc(full: boolean): void } }).Bun?.gc.bind(null, true);
const heap = () => {
  gc?.();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
};
const decoder = new AmiDecoder({ message() {}, error: (e) => { throw e; } });
const line = encoder.encode(`Data: ${"x".repeat(1000)}\r\n`);
const before = heap();
decoder.push(encoder.encode("Event: Big\r\n"));
while (decoder.bufferedBytes < 4 * 1024 * 1024) for (const byte of line) decoder.push(Uint8Array.of(byte));
const held = decoder.bufferedBytes;
const grown = heap() - before;
const memoryLine = `4 MiB frame one byte at a time: ${(held / 1048576).toFixed(1)} MiB held, heap + array buffers grew ${(grown / 1048576).toFixed(1)} MiB = ${(grown / held).toFixed(2)} bytes per byte held${gc ? "" : " (no GC exposed: includes garbage)"}`;
decoder.reset(false);

const frame = followsFrame(kb * 1024);
const afterCr: number[] = [];
for (let i = 0; i < frame.length; i++) if (frame[i] === 0x0d) afterCr.push(i + 1);
const ways: Array<[string, Uint8Array[]]> = [
  ["one chunk", [frame]],
  ["cut after every CR", cut(frame, afterCr)],
  ["8-byte chunks", cut(frame, Array.from({ length: Math.floor((frame.length - 1) / 8) }, (_, i) => (i + 1) * 8))],
  ["byte by byte", cut(frame, Array.from({ length: frame.length - 1 }, (_, i) => i + 1))],
];

function decodeOnce(chunks: Uint8Array[]): { ms: number; copied: number } {
  let messages = 0;
  const decoder = new AmiDecoder({ message: () => messages++, error: (e) => { throw e; } });
  const started = performance.now();
  for (const chunk of chunks) decoder.push(chunk);
  const ms = performance.now() - started;
  if (messages !== 1) throw new Error(`expected 1 message, got ${messages}`);
  return { ms, copied: decoder.copiedBytes };
}

const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : typeof (globalThis as { Deno?: unknown }).Deno !== "undefined" ? "deno" : "node";
console.log(`chunking benchmark on ${runtime} ${process.version}: a ${(frame.length / 1024).toFixed(0)} KB Follows reply`);
console.log("way                   chunks     median ms  ratio to one chunk  copied per byte");
let baseline = 0;
for (const [label, chunks] of ways) {
  for (let i = 0; i < 2; i++) decodeOnce(chunks); // warm-up
  const runs = Array.from({ length: 5 }, () => decodeOnce(chunks)).sort((a, b) => a.ms - b.ms);
  const median = runs[2]!;
  if (baseline === 0) baseline = median.ms;
  console.log(`${label.padEnd(20)}  ${String(chunks.length).padStart(7)}  ${median.ms.toFixed(2).padStart(12)}  ${(median.ms / baseline).toFixed(1).padStart(18)}  ${(median.copied / frame.length).toFixed(2).padStart(15)}`);
}

console.log(memoryLine);
