/**
 * How much memory the bus's replay ring holds per entry: decodes the events of the Asterisk 22
 * captures the way a socket delivers them (fresh 64 KiB chunks), publishes `--events` of them
 * (default 10 000, the ring's default size) through an EventBus whose listener does what live
 * subscribers do (grant check, a header filter, the SSE frame), then reports heapUsed, external
 * and RSS after full collections, before and after. Not a test and not a benchmark of speed.
 *
 *   node --expose-gc --import tsx bench/ring-memory.ts [--events 10000] [--chunk-kib 64]
 *   bun bench/ring-memory.ts
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { EventBus } from "../core/bridge/bus.ts";
import { AmiDecoder } from "../core/decoder.ts";
import type { AmiMessage } from "../core/message.ts";
import { option } from "./fanout-process.ts";

const events = Number(option("events", "10000"));
const chunkBytes = Number(option("chunk-kib", "64")) * 1024;
const dir = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "../test/fixtures/asterisk-22");
const captures = readdirSync(dir).filter((name) => name.endsWith(".raw")).sort().map((name) => readFileSync(join(dir, name)));

async function settled(): Promise<{ heapUsed: number; external: number; heapTotal: number; rss: number }> {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (!g.Bun && !g.gc) throw new Error("expected a way to collect garbage: run Node with --expose-gc");
  for (let i = 0; i < 4; i++) {
    if (g.Bun) g.Bun.gc(true);
    else g.gc!();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, heapTotal: m.heapTotal, rss: m.rss };
}

/** Feeds every capture, chunk by chunk in fresh buffers (as a socket would), until `count` events went to `sink`. */
function decodeEvents(count: number, sink: (event: AmiMessage) => void): void {
  let sent = 0;
  while (sent < count) {
    for (const capture of captures) {
      const decoder = new AmiDecoder({ message: (m) => m.kind === "event" && sent < count && (sent++, sink(m)), error: () => {} }, { banner: true });
      for (let at = 0; at < capture.length && sent < count; at += chunkBytes) decoder.push(Uint8Array.from(capture.subarray(at, at + chunkBytes)));
      if (sent >= count) return;
    }
  }
}

const bus = new EventBus({ ring: events });
let frameBytes = 0;
bus.listen((entry) => {
  // What a subscriber does with every entry: the grant check, a `match=` filter, its SSE frame.
  entry.classes();
  entry.message?.get("Channel");
  frameBytes += entry.sseFrame().byteLength;
});

const before = await settled();
decodeEvents(events, (event) => bus.publishEvent("pbx1", event));
const filled = await settled();
// Four more rounds through the full ring: what it holds must level off, not grow.
decodeEvents(4 * events, (event) => bus.publishEvent("pbx1", event));
const steady = await settled();
// A replay of the whole ring to one subscriber, then dropped: the ring must not keep what it made.
let replayed = 0;
for (const entry of bus.ring.since(0).entries) replayed += entry.sseFrame().byteLength;
const afterReplay = await settled();

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
const bun = (globalThis as { Bun?: { version: string } }).Bun;
console.log(`${bun ? `Bun ${bun.version}` : `Node ${process.version}`}: a ring of ${events}, ${5 * events} events published (${mib(frameBytes)} of SSE frames), ${mib(replayed)} replayed; ring.heldBytes ${mib(bus.ring.heldBytes)}`);
console.log(`  ${"".padEnd(9)}${["empty", "filled", "+4 rounds", "+replay", "per entry"].map((h) => h.padStart(12)).join("")}`);
for (const key of ["heapUsed", "external", "heapTotal", "rss"] as const) {
  const cells = [before, filled, steady, afterReplay].map((m) => mib(m[key]));
  console.log(`  ${key.padEnd(9)}${cells.map((c) => c.padStart(12)).join("")}${`${Math.round((filled[key] - before[key]) / events)} B`.padStart(12)}`);
}
