/**
 * The fault test: a real `amibridge serve` process with a journal and two webhook
 * endpoints from its config file (one event per delivery, and batches), fed by a simulated PBX
 * on loopback, killed with SIGKILL in the middle of deliveries, then started again on the same
 * journal. Every accepted (committed) event reaches every endpoint at least once, verified with
 * the `standardwebhooks` package; a delivery sent again carries the same webhook-id (and the same
 * body); the first endpoint is told of the restart with a `gap` notice.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { SimulatedPbx } from "../../../core/sim/mod.ts";
import { cliCommand, repoRoot, serveEnv, ServeProcess, waitHealthy } from "../../support/cli-process.ts";
import { currentRuntime, runtimeName } from "../../support/runtime.ts";
import { type ReceivedRequest, startReceiver, type WebhookReceiver } from "../../support/webhook-receiver.ts";

const SECRET = `whsec_${btoa("kill-test-secret-0123456789abcdef")}`;
/** The request of endpoint `one` that the receiver never answers: in flight when the bridge dies. */
const HUNG = 40;

let dir: string;
let pbx: SimulatedPbx;
let receiver: WebhookReceiver;
let releaseHung!: () => void;
const hung = new Promise<void>((resolve) => (releaseHung = resolve));
let config: string;
let journalPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "amibridge-webhook-kill-"));
  const runtime = await currentRuntime();
  pbx = new SimulatedPbx({ listen: runtime.listen });
  const port = (await pbx.start({ hostname: "127.0.0.1", port: 0 })).port;
  let oneSeen = 0;
  receiver = await startReceiver(runtime, async (request) => {
    // A receiver with some work per request, so deliveries trail the journal; one request hangs.
    if (request.path === "/one" && ++oneSeen === HUNG) await hung;
    await new Promise((resolve) => setTimeout(resolve, 2));
    return 204;
  });
  journalPath = join(dir, "journal", "journal.db");
  config = join(dir, "amibridge.json");
  const endpoint = (id: string, extra: Record<string, unknown>) => ({ id, url: `${receiver.url}/${id}`, secret: SECRET, events: "UserEvent", ...extra });
  writeFileSync(
    config,
    JSON.stringify({
      http: { auth: "open" },
      upstreams: [{ name: "pbx1", url: `ami://hello:world@127.0.0.1:${port}` }],
      journal: { path: journalPath, commitMs: 2 },
      plugins: {
        webhooks: {
          allowNetworks: ["127.0.0.1/32"],
          retryScheduleMs: [0, 50, 100, 200, 400, 800, 1600],
          // `events=` lets notices through: `one` gets the restart's gap notice; `batched` asks for events only.
          endpoints: [endpoint("one", {}), endpoint("batched", { types: "event", batch: { maxEvents: 25, maxWaitMs: 10 } })],
        },
      },
    }),
  );
}, 30_000);

afterAll(async () => {
  releaseHung();
  await receiver?.close();
  await pbx?.close();
  rmSync(dir, { recursive: true, force: true });
});

function serve(): ServeProcess {
  const [command, ...rest] = cliCommand();
  return new ServeProcess(command, [...rest, "serve", "--port", "0", "--config", config], { cwd: repoRoot, env: serveEnv() });
}

const emit = (name: string, from: number, count: number) => {
  for (let i = 0; i < count; i++) pbx.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: name, Index: String(from + i) });
};

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const webhook = new Webhook(SECRET);
/** Every request to `path`, verified as a receiver would: its webhook-id and its entries. */
function deliveries(path: string): Array<{ id: string; body: string; entries: any[] }> {
  return receiver.requests
    .filter((request: ReceivedRequest) => request.path === path)
    .map((request) => {
      const payload = webhook.verify(request.body, request.headers) as any;
      return { id: request.headers["webhook-id"]!, body: request.body, entries: Array.isArray(payload) ? payload : [payload] };
    });
}

const label = (entry: any) => `${entry.headers.UserEvent}${entry.headers.Index}`;

describe(`amibridge serve on ${runtimeName} with webhook endpoints, killed with SIGKILL mid-delivery`, () => {
  test("restarted: every committed event reaches every endpoint at least once, a resend has the same webhook-id, and a gap notice reports the restart", async () => {
    const first = serve();
    try {
      const base = await first.listening(30_000);
      await waitHealthy(base, 15_000);
      // Events keep flowing while the receiver works through them; the kill comes mid-stream.
      let next = 1;
      const flow = setInterval(() => {
        emit("Run", next, 20);
        next += 20;
      }, 5);
      try {
        const count = (path: string) => receiver.requests.filter((r) => r.path === path).length;
        await until(`request ${HUNG} of endpoint one`, () => count("/one") >= HUNG, 30_000);
        await until("a few batched deliveries", () => count("/batched") >= 2, 30_000);
        expect((await first.stop("SIGKILL")).signal).toBe("SIGKILL");
      } finally {
        clearInterval(flow);
      }
    } finally {
      await first.dispose();
    }
    const inFlight = deliveries("/one")[HUNG - 1]!;
    releaseHung();

    const second = serve();
    try {
      const base = await second.listening(30_000);
      await waitHealthy(base, 15_000);
      emit("After", 1, 20);
      // Both endpoints are ordered: once the last event arrived, everything before it did.
      // (A cheap look at the raw bodies while waiting; every delivery is verified below.)
      const arrived = (path: string) => receiver.requests.some((r) => r.path === path && r.body.includes('"UserEvent":"After","Index":"20"'));
      await until("After20 at both endpoints", () => arrived("/one") && arrived("/batched"), 60_000);
      expect((await second.stop("SIGTERM")).code).toBe(0);
    } finally {
      await second.dispose();
    }

    // What was accepted: every UserEvent record the journal committed, in either run.
    const store = await (await currentRuntime()).openJournal!({ path: journalPath });
    const accepted: string[] = [];
    try {
      for (const record of await store.read(0, 1_000_000)) {
        if (record.type !== "event" || record.name !== "UserEvent") continue;
        const text = new TextDecoder().decode(record.data);
        accepted.push(`${/UserEvent: (\w+)/.exec(text)![1]}${/Index: (\d+)/.exec(text)![1]}`);
      }
    } finally {
      await store.close();
    }
    expect(accepted.filter((name) => name.startsWith("Run")).length).toBeGreaterThan(HUNG);
    expect(accepted.filter((name) => name.startsWith("After"))).toHaveLength(20);

    for (const path of ["/one", "/batched"]) {
      const sent = deliveries(path);
      const got = sent.flatMap((d) => d.entries.filter((e) => e.type === "event").map(label));
      const missing = accepted.filter((name) => !got.includes(name));
      expect({ path, missing }).toEqual({ path, missing: [] });
      // Nothing is delivered that was not accepted.
      expect({ path, extra: got.filter((name) => !accepted.includes(name)) }).toEqual({ path, extra: [] });
      // A webhook-id always means the same delivery: a resend is byte for byte the same body.
      const bodies = new Map<string, string>();
      for (const d of sent) {
        const before = bodies.get(d.id);
        if (before !== undefined) expect({ path, id: d.id, same: before === d.body }).toEqual({ path, id: d.id, same: true });
        bodies.set(d.id, d.body);
      }
    }
    // The delivery in flight at the kill was sent again after the restart, with its webhook-id.
    const resent = deliveries("/one").filter((d) => d.id === inFlight.id);
    expect(resent.length).toBeGreaterThanOrEqual(2);
    expect(resent.map((d) => label(d.entries[0]))).toEqual(resent.map(() => label(inFlight.entries[0])));
    // The restart is reported in-band, after everything of the first run.
    const gaps = deliveries("/one").flatMap((d) => d.entries).filter((e) => e.type === "gap");
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ type: "gap", reason: "restarted", server: "pbx1" });
    const oneEntries = deliveries("/one").flatMap((d) => d.entries);
    const lastRun = Math.max(...oneEntries.filter((e) => e.type === "event" && e.headers.UserEvent === "Run").map((e) => e.seq));
    expect(gaps[0].seq).toBeGreaterThan(lastRun);
  }, 150_000);
});
