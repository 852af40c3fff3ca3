/**
 * `amibridge serve` with a journal, as a real process on the runtime running the tests, fed by a
 * simulated PBX on loopback: killed with SIGKILL while events flow, then started again on the
 * same journal. Everything a subscriber saw before the kill was committed (live delivery waits for
 * the commit), so the new run's sequence continues above it, a `Last-Event-ID` from before the kill
 * replays from the journal, and a `gap` notice says the bridge restarted.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimulatedPbx } from "../../core/sim/mod.ts";
import { cliCommand, repoRoot, serveEnv, ServeProcess, waitHealthy } from "../support/cli-process.ts";
import { currentRuntime, runtimeName } from "../support/runtime.ts";
import { SseReader, type SseMessage } from "../support/sse.ts";

let dir: string;
let pbx: SimulatedPbx;
let config: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "amibridge-kill-"));
  const runtime = await currentRuntime();
  pbx = new SimulatedPbx({ listen: runtime.listen });
  const { port } = await pbx.start({ hostname: "127.0.0.1", port: 0 });
  config = join(dir, "amibridge.json");
  writeFileSync(
    config,
    JSON.stringify({
      http: { auth: "open" },
      upstreams: [{ name: "pbx1", url: `ami://hello:world@127.0.0.1:${port}` }],
      journal: { path: join(dir, "journal", "journal.db"), commitMs: 2 },
    }),
  );
});

afterAll(async () => {
  await pbx.close();
  rmSync(dir, { recursive: true, force: true });
});

function serve(): ServeProcess {
  const [file, ...rest] = cliCommand();
  return new ServeProcess(file, [...rest, "serve", "--port", "0", "--config", config], { cwd: repoRoot, env: serveEnv() });
}

const emit = (from: number, count: number) => {
  for (let i = 0; i < count; i++) pbx.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "Tick", Index: String(from + i) });
};

const data = (message: SseMessage) => JSON.parse(message.data) as { type: string; seq: number; name: string; reason?: string; lastSeq?: number; headers?: Record<string, string> };

/** Reads messages until `done` says so (bounded by `limit` messages). */
async function readUntil(reader: SseReader, done: (message: SseMessage) => boolean, limit = 5000): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  while (out.length < limit) {
    const message = await reader.next(10_000);
    if (!message) throw new Error(`the stream ended after ${out.length} messages`);
    out.push(message);
    if (done(message)) return out;
  }
  throw new Error(`expected the awaited message within ${limit} messages`);
}

describe(`amibridge serve on ${runtimeName} with a journal, killed with SIGKILL`, () => {
  test("restarted: the sequence continues above every entry seen before the kill, Last-Event-ID replays from the journal, and a gap notice says it restarted", async () => {
    const first = serve();
    let seen: SseMessage[];
    try {
      const base = await first.listening(30_000);
      await waitHealthy(base, 15_000);
      const stream = await fetch(`${base}/v1/events?types=event,gap`);
      const reader = new SseReader(stream.body!);
      emit(1, 50);
      seen = (await readUntil(reader, (m) => data(m).headers?.["Index"] === "50")).filter((m) => data(m).name === "UserEvent");
      expect(seen.map((m) => data(m).headers?.["Index"])).toEqual(Array.from({ length: 50 }, (_, i) => String(i + 1)));
      // More in flight: some are committed, some not, when the process dies.
      emit(51, 500);
      const more = await readUntil(reader, (m) => data(m).headers?.["Index"] === "60");
      seen.push(...more.filter((m) => data(m).name === "UserEvent"));
      const exit = await first.stop("SIGKILL");
      expect(exit.signal).toBe("SIGKILL");
      await reader.cancel();
    } finally {
      await first.dispose();
    }
    const lastSeen = Number(seen.at(-1)!.id);

    const second = serve();
    try {
      const base = await second.listening(30_000);
      await waitHealthy(base, 15_000);
      expect(second.stderr).toMatch(/journal .*journal\.db: \d+ records .* sequence continues after \d+/);
      const resumeFrom = seen[9]!;
      const stream = await fetch(`${base}/v1/events?types=event,gap`, { headers: { "last-event-id": resumeFrom.id! } });
      const reader = new SseReader(stream.body!);
      const replay = await readUntil(reader, (m) => m.event === "gap");
      const gap = data(replay.at(-1)!);
      expect(gap).toMatchObject({ type: "gap", reason: "restarted", server: "pbx1" });
      // Every entry seen before the kill after the resume point comes back, byte for byte, in order.
      const replayedSeen = replay.filter((m) => Number(m.id) <= lastSeen && data(m).name === "UserEvent");
      expect(replayedSeen).toEqual(seen.slice(10));
      // What was committed after the last one seen follows, still in order; the new run starts above all of it.
      const ids = replay.map((m) => Number(m.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(gap.lastSeq!).toBeGreaterThanOrEqual(lastSeen);
      expect(gap.seq).toBeGreaterThan(gap.lastSeq!);
      // New events are numbered on from the gap.
      emit(10_000, 1);
      const live = await readUntil(reader, (m) => data(m).headers?.["Index"] === "10000");
      expect(Number(live.at(-1)!.id)).toBeGreaterThan(gap.seq);
      await reader.cancel();
      const exit = await second.stop("SIGTERM");
      expect(exit.code).toBe(0);
    } finally {
      await second.dispose();
    }
  }, 90_000);
});
