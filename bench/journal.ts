/**
 * Journal append alone, on the runtime running it (`npm run bench:journal` runs it on Bun, then on
 * Node): real Asterisk 22 event frames (every capture in test/fixtures/asterisk-22, repeated) are
 * handed to the group-commit writer as fast as a socket could deliver them (a chunk of entries per
 * turn of the event loop), until the journal committed them all.
 *
 * Rows, side by side in one run:
 *   memory        the writer over the in-memory journal: the writer's own cost, no storage
 *   sqlite        the writer over this runtime's SQLite journal (WAL, synchronous=NORMAL), 5 ms / 1000 events
 *   sqlite full   the same with synchronous=FULL (one fsync per commit)
 *   unbatched     the SQLite journal, one transaction per event: how people write to SQLite without group commit
 *
 * events/s: entries committed per second of wall time; lag: time from `add` to committed, per entry.
 *   bench/journal.ts [--events 200000] [--chunk 500] [--rows memory,sqlite,full,unbatched] [--json file]
 * (`npm run bench:webhook` runs its `sqlite` row alone.)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BusEntry, eventEntry } from "../core/bridge/entry.ts";
import { AmiDecoder } from "../core/decoder.ts";
import { memoryJournal } from "../core/journal/memory.ts";
import { journalRecord } from "../core/journal/records.ts";
import { JournalWriter } from "../core/journal/writer.ts";
import type { AmiMessage } from "../core/message.ts";
import type { Journal, OpenJournal } from "../core/ports.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FIXTURES = join(ROOT, "test/fixtures/asterisk-22");
const TARGET = 50_000;

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const jsonPath = (() => {
  const i = args.indexOf("--json");
  return i >= 0 ? args[i + 1] : undefined;
})();
const EVENTS = option("events", 200_000);
const CHUNK = option("chunk", 500);
const UNBATCHED = Math.min(EVENTS, option("unbatched", 5_000));
const ROWS = new Set((() => {
  const i = args.indexOf("--rows");
  return i >= 0 ? args[i + 1]!.split(",") : ["memory", "sqlite", "full", "unbatched"];
})());

const runtime = "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : "node";

async function openJournal(): Promise<OpenJournal> {
  if (runtime === "bun") return (await import("../adapters/bun/journal.ts")).openBunJournal;
  return (await import("../adapters/shared/node-sqlite-journal.ts")).openNodeSqliteJournal;
}

/** Every event of the captures, decoded from whole files (frames are views, as off a socket). */
function capturedEvents(): AmiMessage[] {
  const events: AmiMessage[] = [];
  for (const file of readdirSync(FIXTURES).filter((name) => name.endsWith(".raw")).sort()) {
    const decoder = new AmiDecoder({ message: (m) => m.kind === "event" && events.push(m), error: () => {} }, { banner: true });
    decoder.push(new Uint8Array(readFileSync(join(FIXTURES, file))));
  }
  return events;
}

/** `count` bus entries numbered 1…count, cycling through the captured events. */
function entries(count: number): BusEntry[] {
  const events = capturedEvents();
  return Array.from({ length: count }, (_, i) => eventEntry(i + 1, "pbx1", events[i % events.length]!));
}

const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

interface Row {
  id: string;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  lagP50Ms: number;
  lagP99Ms: number;
  commits: number;
  bytes: number;
}

/** Feeds `all` to a writer over `store` a chunk per turn, then waits for the last commit. */
async function throughWriter(id: string, store: Journal, all: BusEntry[]): Promise<Row> {
  const writer = new JournalWriter(store, { commitMs: 5, commitEvents: 1000 });
  const started = performance.now();
  for (let i = 0; i < all.length; i += CHUNK) {
    const end = Math.min(all.length, i + CHUNK);
    for (let j = i; j < end; j++) writer.add(all[j]!);
    await turn();
  }
  await writer.flush();
  const seconds = (performance.now() - started) / 1000;
  const stats = writer.stats();
  if (stats.committedSeq !== all.length) throw new Error(`${id}: expected ${all.length} committed, got ${stats.committedSeq}`);
  await writer.close();
  return { id, events: all.length, seconds, eventsPerSecond: all.length / seconds, lagP50Ms: stats.lagP50Ms, lagP99Ms: stats.lagP99Ms, commits: stats.commits, bytes: stats.bytes };
}

/** One append (one transaction) per event, awaited each time: no group commit. */
async function unbatched(store: Journal, all: BusEntry[]): Promise<Row> {
  const lags: number[] = [];
  const started = performance.now();
  for (const entry of all) {
    const at = performance.now();
    await store.append([journalRecord(entry)]);
    lags.push(performance.now() - at);
  }
  const seconds = (performance.now() - started) / 1000;
  lags.sort((a, b) => a - b);
  const stats = await store.stats();
  await store.close();
  return { id: "unbatched", events: all.length, seconds, eventsPerSecond: all.length / seconds, lagP50Ms: lags[Math.floor(lags.length / 2)]!, lagP99Ms: lags[Math.ceil(lags.length * 0.99) - 1]!, commits: all.length, bytes: stats.bytes };
}

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const open = await openJournal();
  const dir = mkdtempSync(join(tmpdir(), "amibridge-bench-journal-"));
  const rows: Row[] = [];
  try {
    const all = entries(EVENTS);
    console.log(`\n=== journal append on ${runtime} (${process.platform} ${process.arch}): ${fmt(EVENTS)} captured Asterisk 22 events, ${CHUNK} per event-loop turn ===`);
    // Warm-up on the memory journal: the first run pays the JIT.
    await throughWriter("warm-up", memoryJournal(), all.slice(0, 20_000));
    if (ROWS.has("memory")) rows.push(await throughWriter("memory", memoryJournal(), all));
    rows.push(await throughWriter("sqlite", await open({ path: join(dir, "normal.db") }), all));
    if (ROWS.has("full")) rows.push(await throughWriter("sqlite full", await open({ path: join(dir, "full.db"), synchronous: "full" }), all));
    if (ROWS.has("unbatched")) rows.push(await unbatched(await open({ path: join(dir, "unbatched.db") }), all.slice(0, UNBATCHED)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const sqlite = rows.find((r) => r.id === "sqlite")!;
  const head = ["", "events", "events/s", "vs sqlite", "lag p50", "lag p99", "commits", "MB"];
  const body = rows.map((r) => [r.id, fmt(r.events), fmt(r.eventsPerSecond), `${fmt(r.eventsPerSecond / sqlite.eventsPerSecond, 2)}×`, `${fmt(r.lagP50Ms, 2)} ms`, `${fmt(r.lagP99Ms, 2)} ms`, fmt(r.commits), fmt(r.bytes / 1e6, 1)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const b of body) console.log(line(b));
  const plain = rows.find((r) => r.id === "unbatched");
  console.log(`target: sqlite ≥ ${fmt(TARGET)} events/s: ${sqlite.eventsPerSecond >= TARGET ? "met" : "MISSED"}${plain ? `; group commit vs unbatched: ${fmt(sqlite.eventsPerSecond / plain.eventsPerSecond, 1)}×` : ""}`);
  if (jsonPath) writeFileSync(jsonPath, `${JSON.stringify({ runtime, rows }, null, 2)}\n`);
}

await main();
