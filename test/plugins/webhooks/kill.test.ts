/**
 * `amibridge serve` with a journal and a config webhook endpoint, as a real process on the runtime
 * running the tests, fed by a simulated PBX on loopback: killed with SIGKILL while deliveries are
 * in flight to a slow receiver, then started again on the same config. Every event the journal
 * accepted reaches the receiver at least once, a delivery sent twice keeps its webhook-id, nothing
 * the journal did not accept is delivered, and the events lost between Asterisk and the commit are
 * reported by a `gap` notice with reason `restarted`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimulatedPbx } from "../../../core/sim/mod.ts";
import { cliCommand, repoRoot, serveEnv, ServeProcess, waitHealthy } from "../../support/cli-process.ts";
import { currentRuntime, runtimeName } from "../../support/runtime.ts";
import { SseReader, type SseMessage } from "../../support/sse.ts";
import { type ReceivedRequest, startReceiver, type WebhookReceiver } from "../../support/webhook-receiver.ts";
import { verified } from "./helpers.ts";

const ENDPOINT = "wh_kill";
let dir: string;
let pbx: SimulatedPbx;
let receiver: WebhookReceiver;
let config: string;
let secret: string;

/** Slow answers, so deliveries queue up behind each other. */
const slow = async () => {
  await new Promise((wake) => setTimeout(wake, 15));
  return 204;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "amibridge-whkill-"));
  const runtime = await currentRuntime();
  pbx = new SimulatedPbx({ listen: runtime.listen });
  const pbxPort = (await pbx.start({ hostname: "127.0.0.1", port: 0 })).port;
  receiver = await startReceiver(runtime, slow);
  secret = `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(24))))}`;
  config = join(dir, "amibridge.json");
  writeFileSync(
    config,
    JSON.stringify({
      http: { auth: "open" },
      upstreams: [{ name: "pbx1", url: `ami://hello:world@127.0.0.1:${pbxPort}` }],
      journal: { path: join(dir, "journal", "journal.db"), commitMs: 2 },
      plugins: {
        webhooks: {
          allowNetworks: ["127.0.0.1/32"],
          retryScheduleMs: [0, 50, 100, 200],
          endpoints: [{ id: ENDPOINT, url: `${receiver.url}/`, secret, events: "UserEvent", types: "event" }],
        },
      },
    }),
  );
});

afterAll(async () => {
  await receiver.close();
  await pbx.close();
  rmSync(dir, { recursive: true, force: true });
});

function serve(): ServeProcess {
  const [command, ...rest] = cliCommand();
  return new ServeProcess(command, [...rest, "serve", "--port", "0", "--config", config], { cwd: repoRoot, env: serveEnv() });
}

const emit = (from: number, count: number) => {
  for (let i = 0; i < count; i++) pbx.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "Tick", Index: String(from + i) });
};

const data = (message: SseMessage) => JSON.parse(message.data) as { type: string; seq: number; name?: string; reason?: string; server?: string; lastSeq?: number; headers?: Record<string, string> };

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

/** The event numbers of the receiver's deliveries so far, each with the webhook-ids it came with (every one verified). */
function deliveries(): Map<string, string[]> {
  const byIndex = new Map<string, string[]>();
  for (const request of receiver.requests) {
    const body = verified(request, secret) as { headers: Record<string, string> };
    const index = body.headers["Index"]!;
    byIndex.set(index, [...(byIndex.get(index) ?? []), request.headers["webhook-id"]!]);
  }
  return byIndex;
}

/**
 * Waits until every number in `expected` was delivered. (With `http.auth: "open"` and a real
 * upstream the webhook API needs a token, so the receiver is watched instead of the endpoint's view.)
 */
async function waitDelivered(expected: readonly string[], timeoutMs = 30_000): Promise<Map<string, string[]>> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const byIndex = deliveries();
    const missing = expected.filter((index) => !byIndex.has(index));
    if (missing.length === 0) return byIndex;
    if (performance.now() > deadline) throw new Error(`expected every accepted event delivered within ${timeoutMs} ms; ${missing.length} missing, first ${missing.slice(0, 10).join(", ")}`);
    await new Promise((wake) => setTimeout(wake, 25));
  }
}

describe(`amibridge serve on ${runtimeName} with webhooks and a journal, killed with SIGKILL`, () => {
  test("restarted: every accepted event is delivered at least once, a duplicate keeps its webhook-id, and the lost ones are reported as a gap", async () => {
    const first = serve();
    let inFlight: ReceivedRequest;
    try {
      const base = await first.listening(30_000);
      await waitHealthy(base, 15_000);
      emit(1, 100);
      await receiver.waitFor(5, 15_000);
      // A burst from Asterisk: some committed, some not, when the process dies mid-delivery.
      // The next delivery gets no answer until the bridge is dead: it is in flight at the kill.
      let release!: () => void;
      const held = new Promise<void>((wake) => (release = wake));
      receiver.respond(async () => {
        await held;
        return 204;
      });
      emit(101, 500);
      const inFlightAt = receiver.requests.length;
      await receiver.waitFor(inFlightAt + 1, 15_000);
      const exit = await first.stop("SIGKILL");
      expect(exit.signal).toBe("SIGKILL");
      inFlight = receiver.requests[inFlightAt]!;
      receiver.respond(slow);
      release();
    } finally {
      await first.dispose();
    }

    const second = serve();
    try {
      const base = await second.listening(30_000);
      await waitHealthy(base, 15_000);
      emit(10_001, 10);
      // Everything the journal holds, both runs, from the start.
      const stream = await fetch(`${base}/v1/events?types=event,gap`, { headers: { "last-event-id": "0" } });
      const reader = new SseReader(stream.body!);
      const all = await readUntil(reader, (m) => data(m).headers?.["Index"] === "10010", 10_000);
      await reader.cancel();
      const gaps = all.filter((m) => m.event === "gap").map(data);
      expect(gaps).toHaveLength(1);
      expect(gaps[0]).toMatchObject({ type: "gap", reason: "restarted", server: "pbx1" });
      // The gap sits between the runs: the old run's committed records end at its lastSeq, the new run numbers on above it.
      const at = all.findIndex((m) => m.event === "gap");
      expect(all.slice(0, at).map((m) => Number(m.id)).every((id) => id <= gaps[0]!.lastSeq!)).toBe(true);
      expect(all.slice(at + 1).map((m) => Number(m.id)).every((id) => id > gaps[0]!.seq)).toBe(true);
      expect(all.slice(at + 1).filter((m) => data(m).name === "UserEvent").every((m) => Number(data(m).headers!["Index"]) > 10_000)).toBe(true);
      const accepted = all.filter((m) => data(m).name === "UserEvent").map((m) => data(m).headers!["Index"]!);
      // The first 100 were delivered before the burst, so the journal had them; the new run's too.
      for (let i = 1; i <= 100; i++) expect(accepted).toContain(String(i));
      for (let i = 10_001; i <= 10_010; i++) expect(accepted).toContain(String(i));
      expect(new Set(accepted).size).toBe(accepted.length);

      // Every accepted number reaches the receiver, every delivery verifying as Standard Webhooks.
      const byIndex = await waitDelivered(accepted);
      // Nothing the journal did not accept was delivered.
      expect([...byIndex.keys()].filter((index) => !accepted.includes(index))).toEqual([]);
      // A duplicate (the delivery in flight at the kill, sent again) keeps its webhook-id.
      for (const [index, ids] of byIndex) expect({ index, ids: [...new Set(ids)] }).toEqual({ index, ids: [ids[0]!] });
      // The delivery held at the kill was sent again by the new run, with its webhook-id.
      const heldIndex = (verified(inFlight, secret) as { headers: Record<string, string> }).headers["Index"]!;
      expect(byIndex.get(heldIndex)!.length).toBeGreaterThanOrEqual(2);
      expect(byIndex.get(heldIndex)![0]).toBe(inFlight.headers["webhook-id"]!);
      // Different events never share a webhook-id.
      const firstIds = [...byIndex.values()].map((ids) => ids[0]!);
      expect(new Set(firstIds).size).toBe(firstIds.length);
      const exit = await second.stop("SIGTERM");
      expect(exit.code).toBe(0);
    } finally {
      await second.dispose();
    }
  }, 120_000);
});
