/**
 * `amibridge serve` with a journal, as a real process on the runtime running the tests, fed by a
 * simulated PBX on loopback: killed with SIGKILL while events flow, then started again on the
 * same journal. Everything a subscriber saw before the kill was committed (live delivery waits for
 * the commit), so the new run's sequence continues above it, a `Last-Event-ID` from before the kill
 * replays from the journal, and a `gap` notice says the bridge restarted.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimulatedPbx } from "../../core/sim/mod.ts";
import { cliCommand, repoRoot, runToEnd, serveEnv, ServeProcess, waitHealthy } from "../support/cli-process.ts";
import { currentRuntime, runtimeName } from "../support/runtime.ts";
import { SseReader, type SseMessage } from "../support/sse.ts";

let dir: string;
let pbx: SimulatedPbx;
let config: string;
let port: number;

/** A config file with the simulated PBX as upstream and a journal at `journal`. */
function writeConfig(name: string, journal: string): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ http: { auth: "open" }, upstreams: [{ name: "pbx1", url: `ami://hello:world@127.0.0.1:${port}` }], journal: { path: journal, commitMs: 2 } }));
  return path;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "amibridge-kill-"));
  const runtime = await currentRuntime();
  pbx = new SimulatedPbx({ listen: runtime.listen });
  port = (await pbx.start({ hostname: "127.0.0.1", port: 0 })).port;
  config = writeConfig("amibridge.json", join(dir, "journal", "journal.db"));
});

afterAll(async () => {
  await pbx.close();
  rmSync(dir, { recursive: true, force: true });
});

function serve(file = config): ServeProcess {
  const [command, ...rest] = cliCommand();
  return new ServeProcess(command, [...rest, "serve", "--port", "0", "--config", file], { cwd: repoRoot, env: serveEnv() });
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

  test("a damaged journal file: the bridge refuses to start (exit 74) naming the file and where it was kept; started again, it makes a fresh journal", async () => {
    const journal = join(dir, "damaged", "journal.db");
    mkdirSync(join(dir, "damaged"));
    const garbage = new Uint8Array(4096).map((_, i) => (i * 131 + 7) & 0xff);
    writeFileSync(journal, garbage);
    const file = writeConfig("damaged.json", journal);
    const [command, ...rest] = cliCommand();
    const refused = await runToEnd(command, [...rest, "serve", "--port", "0", "--config", file], { timeoutMs: 30_000 });
    expect({ code: refused.code, stderr: refused.stderr }).toMatchObject({ code: 74, stderr: expect.stringContaining("the journal could not be opened, so the bridge does not start") });
    const aside = new RegExp(`moved aside to (${journal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.damaged-\\S+?),`).exec(refused.stderr)?.[1];
    expect(aside).toBeDefined();
    expect([...readFileSync(aside!)]).toEqual([...garbage]);
    expect(refused.stderr).toContain("start the bridge again to begin a fresh journal");
    expect(refused.stderr).not.toContain("listening on");

    const again = serve(file);
    try {
      const base = await again.listening(30_000);
      await waitHealthy(base, 15_000);
      expect(again.stderr).toMatch(/journal .*journal\.db: 0 records/);
      expect((await again.stop("SIGTERM")).code).toBe(0);
    } finally {
      await again.dispose();
    }
  }, 90_000);
});
