/**
 * The demo `serve` runs when no upstream is configured: a simulated Asterisk on 127.0.0.1:5038
 * (a random port when that one is taken) with the published login hello:world, and a call every
 * few seconds from the phones of a small office, so the console and the README's examples show
 * something at once.
 */
import type { AmiSession } from "../client/session.ts";
import type { Runtime } from "../ports.ts";
import { defaultOutcome, SimulatedPbx, type CallOutcome, type Destination } from "../sim/mod.ts";

/** Where the demo's simulated Asterisk listens when the port is free: Asterisk's own default. */
export const DEMO_AMI_PORT = 5038;

/** Where the simulator also answers AMI over HTTP (`/rawman`, `/mxml`, `/manager`), Asterisk's own HTTP port. */
export const DEMO_HTTP_PORT = 8088;

/** The demo's manager login; public on purpose (README, log), since it guards only a simulator. */
export const DEMO_LOGIN = "hello:world";

/** Every how many ms the demo places a call. */
export const DEMO_CALL_INTERVAL_MS = 5000;

/** The demo's phones: 2001–2003 answer, 2004 is busy, 2005 rings unanswered. */
const DEMO_PHONES: Readonly<Record<string, CallOutcome>> = { "2004": "busy", "2005": "no-answer" };

/** Human-scale timing, so a call is on screen (and in CoreShowChannels) for a few seconds. */
const DEMO_CALL_TIMING = { setupMs: 50, answerMs: 1000, talkMs: 3000 };

/** The calls the demo places in turn, all into the dialplan's `from-internal` context. */
const DEMO_CALLS = ["2001", "2002", "2004", "2005"];

/** How a demo call ends: by phone for PJSIP, else the simulator's default table. */
function demoOutcome(destination: Destination): CallOutcome {
  const phone = destination.technology.toUpperCase() === "PJSIP" ? DEMO_PHONES[destination.exten] : undefined;
  return phone ?? defaultOutcome(destination);
}

/** A running demo: the simulator, its full URL, and whether the usual port was taken. */
export interface Demo {
  readonly pbx: SimulatedPbx;
  /** The simulator's call-file spool, a temporary folder (when the runtime has files). */
  readonly spoolDir: string | undefined;
  /** Stops the simulator and removes its spool folder. */
  close(): Promise<void>;
  /** `ami://hello:world@127.0.0.1:5038`, in full: nothing in it is secret. */
  readonly url: string;
  /** True when 5038 was taken and a random port was used instead. */
  readonly fellBack: boolean;
  /** `http://hello:world@127.0.0.1:8088/rawman` (or another port when 8088 is taken); undefined when the runtime cannot serve HTTP. */
  readonly httpUrl: string | undefined;
  /** Starts placing calls through `client` (the bridge's own upstream client); returns the stop function. */
  placeCalls(client: AmiSession): () => void;
}

function simulator(runtime: Runtime, spoolDir: string | undefined): SimulatedPbx {
  const spool = spoolDir && runtime.files ? { spool: { files: runtime.files, dir: spoolDir } } : {};
  return new SimulatedPbx({ listen: runtime.listen, outcome: demoOutcome, callTiming: DEMO_CALL_TIMING, ...spool, ...(runtime.serve ? { serve: runtime.serve } : {}) });
}

/** Removes a folder and everything in it (the demo's spool holds a few small files). */
async function removeTree(runtime: Runtime, path: string): Promise<void> {
  const files = runtime.files!;
  const info = await files.stat(path).catch(() => undefined);
  if (!info) return;
  if (info.isDirectory) for (const name of await files.list(path)) await removeTree(runtime, `${path}/${name}`);
  await files.remove(path).catch(() => {});
}

/**
 * Starts the simulated Asterisk on 127.0.0.1:5038, or on a random port when 5038 is taken, with
 * a call-file spool in a temporary folder, so call files work out of the box.
 */
export async function startDemo(runtime: Runtime): Promise<Demo> {
  const spoolDir = runtime.files ? await runtime.files.makeTempDir("amibridge-demo-spool-") : undefined;
  const pbx = simulator(runtime, spoolDir);
  try {
    const port = (await pbx.start({ hostname: "127.0.0.1", port: DEMO_AMI_PORT })).port;
    return demo(runtime, pbx, port, false, spoolDir, await startHttp(pbx, runtime));
  } catch {
    // Usually a local Asterisk or a second demo holds the port; a fresh PBX takes any free one.
    await pbx.close();
  }
  const fresh = simulator(runtime, spoolDir);
  const port = (await fresh.start({ hostname: "127.0.0.1", port: 0 })).port;
  return demo(runtime, fresh, port, true, spoolDir, await startHttp(fresh, runtime));
}

/** The simulator's AMI over HTTP on 8088, or on any free port when that is taken; undefined without an HTTP server. */
async function startHttp(pbx: SimulatedPbx, runtime: Runtime): Promise<string | undefined> {
  if (!runtime.serve) return undefined;
  let port: number;
  try {
    port = (await pbx.startHttp({ hostname: "127.0.0.1", port: DEMO_HTTP_PORT })).port;
  } catch {
    port = (await pbx.startHttp({ hostname: "127.0.0.1", port: 0 })).port;
  }
  return `http://${DEMO_LOGIN}@127.0.0.1:${port}/rawman`;
}

function demo(runtime: Runtime, pbx: SimulatedPbx, port: number, fellBack: boolean, spoolDir: string | undefined, httpUrl: string | undefined): Demo {
  return {
    httpUrl,
    pbx,
    spoolDir,
    async close() {
      await pbx.close();
      if (spoolDir) await removeTree(runtime, spoolDir);
    },
    url: `ami://${DEMO_LOGIN}@127.0.0.1:${port}`,
    fellBack,
    placeCalls(client) {
      let n = 0;
      const timer = setInterval(() => {
        if (client.state !== "ready") return;
        const phone = DEMO_CALLS[n++ % DEMO_CALLS.length]!;
        client
          .send({ Action: "Originate", Channel: `PJSIP/${phone}`, Context: "from-internal", Exten: "100", Priority: "1", CallerID: "Reception <100>", Timeout: "4000", Async: "true" })
          .catch(() => {});
      }, DEMO_CALL_INTERVAL_MS);
      return () => clearInterval(timer);
    },
  };
}

/** What `serve` prints about the demo: its full AMI URL, why auth is open, what calls to expect. */
export function demoNotice(demo: Demo): string {
  const taken = demo.fellBack ? ` (127.0.0.1:${DEMO_AMI_PORT} is in use, so a random port)` : "";
  return [
    "amibridge: demo mode: no upstream configured (no --config upstreams, no AMI_URL), so the bridge runs against the built-in simulated PBX (Asterisk 22)",
    `  simulated PBX: ${demo.url}${taken}; its login is public, it is a local simulator`,
    ...(demo.httpUrl ? [`  AMI over HTTP too: ${demo.httpUrl}`] : []),
    `  a demo call every ${DEMO_CALL_INTERVAL_MS / 1000} s from PJSIP/2001, 2002 (answered), 2004 (busy) and 2005 (no answer) into context from-internal`,
    ...(demo.spoolDir ? [`  call files: the simulator's spool is ${demo.spoolDir} (POST /v1/callfiles, or amibridge callfile --spool ${demo.spoolDir} …)`] : []),
  ].join("\n");
}
