/**
 * The demo `serve` runs when no upstream is configured: a simulated Asterisk on 127.0.0.1:5038
 * (a random port when that one is taken) with the published login hello:world, and a call every
 * few seconds from the phones of a small office, so the console and the README's examples show
 * something at once.
 */
import { OPEN_POLICY, type TokenPolicy } from "../bridge/grants.ts";
import type { AmiClient } from "../client/client.ts";
import type { Runtime } from "../ports.ts";
import { defaultOutcome, SimulatedPbx, type CallOutcome, type Destination } from "../sim/mod.ts";

/** Where the demo's simulated Asterisk listens when the port is free: Asterisk's own default. */
export const DEMO_AMI_PORT = 5038;

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
  /** `ami://hello:world@127.0.0.1:5038`, in full: nothing in it is secret. */
  readonly url: string;
  /** True when 5038 was taken and a random port was used instead. */
  readonly fellBack: boolean;
  /** Starts placing calls through `client` (the bridge's own upstream client); returns the stop function. */
  placeCalls(client: AmiClient): () => void;
}

/** Starts the simulated Asterisk on 127.0.0.1:5038, or on a random port when 5038 is taken. */
export async function startDemo(runtime: Runtime): Promise<Demo> {
  const pbx = new SimulatedPbx({ listen: runtime.listen, outcome: demoOutcome, callTiming: DEMO_CALL_TIMING });
  let port: number;
  try {
    port = (await pbx.start({ hostname: "127.0.0.1", port: DEMO_AMI_PORT })).port;
  } catch {
    // Usually a local Asterisk or a second demo holds the port; a fresh PBX takes any free one.
    await pbx.close();
    return startOnAnyPort(runtime);
  }
  return demo(pbx, port, false);
}

async function startOnAnyPort(runtime: Runtime): Promise<Demo> {
  const pbx = new SimulatedPbx({ listen: runtime.listen, outcome: demoOutcome, callTiming: DEMO_CALL_TIMING });
  const { port } = await pbx.start({ hostname: "127.0.0.1", port: 0 });
  return demo(pbx, port, true);
}

function demo(pbx: SimulatedPbx, port: number, fellBack: boolean): Demo {
  return {
    pbx,
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
    `  a demo call every ${DEMO_CALL_INTERVAL_MS / 1000} s from PJSIP/2001, 2002 (answered), 2004 (busy) and 2005 (no answer) into context from-internal`,
  ].join("\n");
}

/**
 * The demo's open policy: {@link OPEN_POLICY} and the `webhooks` grant, so the README's curl can
 * make a subscription without a token. Only for the demo with its API on loopback: nothing real
 * is upstream and only this machine reaches the API.
 */
export const DEMO_OPEN_POLICY: TokenPolicy = { ...OPEN_POLICY, grants: [...OPEN_POLICY.grants, "webhooks"] };

/** Where the demo lets webhooks deliver although the SSRF guard refuses it elsewhere: this machine, for a local receiver. */
export const DEMO_WEBHOOK_NETWORKS: readonly string[] = ["127.0.0.0/8", "::1/128"];

/** The demo's webhook options: the config's, with loopback receivers allowed. */
export function demoWebhookOptions(configured: unknown): Record<string, unknown> {
  const options = typeof configured === "object" && configured !== null ? (configured as Record<string, unknown>) : {};
  const allow = Array.isArray(options["allowNetworks"]) ? (options["allowNetworks"] as unknown[]) : [];
  return { ...options, allowNetworks: [...allow, ...DEMO_WEBHOOK_NETWORKS.filter((block) => !allow.includes(block))] };
}
