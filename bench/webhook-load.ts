/**
 * The AMI side of `npm run bench:webhook`: a simulated PBX on loopback that never drops the
 * bridge under test (no write timeout) and, unpaced, goes as fast as the bridge reads (it waits
 * while 8 MiB are queued for it). It floods Newstate events shaped like real ones, each stamped
 * with its index and send time (`BenchStamp: <index>/<ms since the epoch>`). Runs on Node
 * (through tsx), in a process of its own.
 *
 * Protocol with bench/webhook-run.mjs: stdin lines `{"cmd":"pbx"}` (a fresh PBX; answered with
 * its port), `{"cmd":"sessions"}` (logged-in sessions), `{"cmd":"flood","events":N,"rate":R}`
 * (R 0: as fast as the bridge reads; answered once every event is written); exits when stdin ends.
 */
import { createInterface } from "node:readline";
import { SimulatedPbx } from "../core/sim/mod.ts";
import { floodHeaders, now } from "./flood-event.ts";
import { currentRuntime } from "../test/support/runtime.ts";

const runtime = await currentRuntime();
let pbx: SimulatedPbx | undefined;
async function handle(message: { cmd: string; events?: number; rate?: number }): Promise<unknown> {
  if (message.cmd === "pbx") {
    await pbx?.close();
    pbx = new SimulatedPbx({ listen: runtime.listen, writeTimeoutMs: 0, maxQueuedBytes: 16 * 1024 * 1024, authFailureDelayMs: 0 });
    return pbx.start({ hostname: "127.0.0.1", port: 0 });
  }
  if (!pbx) throw new Error(`${message.cmd} before pbx`);
  if (message.cmd === "sessions") return { sessions: pbx.sessions.length };
  if (message.cmd === "flood") {
    const started = now();
    const rate = message.rate ?? 0;
    const result = await pbx.flood({ count: message.events!, ...(rate > 0 ? { ratePerSecond: rate } : {}), name: "Newstate", privilege: "call,all", headers: floodHeaders });
    return { floodMs: now() - started, startedAt: started, deliveries: result.deliveries };
  }
  throw new Error(`unknown command ${message.cmd}`);
}

createInterface({ input: process.stdin })
  .on("line", (line) => {
    handle(JSON.parse(line) as { cmd: string }).then(
      (answer) => process.stdout.write(`${JSON.stringify(answer)}\n`),
      (error: Error) => process.stdout.write(`${JSON.stringify({ error: error.message })}\n`),
    );
  })
  .on("close", () => void (pbx?.close() ?? Promise.resolve()).finally(() => process.exit(0)));
