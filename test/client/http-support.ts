/**
 * Helpers for the AMI-over-HTTP client tests: the simulated PBX's HTTP side behind a real
 * loopback HTTP server of the runtime, with a hook that can stand in for it on chosen requests
 * (a proxy's error page, a WaitEvent that never returns, a huge body).
 */
import { afterEach } from "bun:test";
import { exponentialBackoff } from "../../core/client/backoff.ts";
import { AmiHttpClient, type AmiHttpClientOptions } from "../../core/client/http/client.ts";
import type { HttpServer, Runtime } from "../../core/ports.ts";
import { SimulatedPbx, type SimulatedPbxOptions } from "../../core/sim/mod.ts";
import { currentRuntime } from "../support/runtime.ts";

/** Fast call timing: a short call lives about 30 ms. */
export const FAST_TIMING = { setupMs: 1, answerMs: 5, talkMs: 20, longCallMs: 10_000 };

/** The action a form body or query names, in lower case. */
export async function actionOf(request: Request): Promise<string> {
  const text = request.method === "POST" ? await request.clone().text() : new URL(request.url).search.slice(1);
  return (new URLSearchParams(text).get("Action") ?? new URLSearchParams(text).get("action") ?? "").toLowerCase();
}

/** Answers a request instead of the simulator, or returns undefined to let it through. */
export type Intercept = (request: Request, action: string) => Response | undefined | Promise<Response | undefined>;

/** A simulator serving HTTP on a loopback port, through an optional interceptor. */
export interface HttpPbx {
  pbx: SimulatedPbx;
  server: HttpServer;
  port: number;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Requests seen, by action name, in order. */
  seen: string[];
  intercept: Intercept | undefined;
}

/** Starts everything a test needs and closes it after the test. */
export function httpScope(): {
  runtime: Promise<Runtime>;
  start(options?: Partial<SimulatedPbxOptions>, port?: number): Promise<HttpPbx>;
  client(base: string, options?: Partial<AmiHttpClientOptions>): AmiHttpClient;
  /** Closes `close` after the test, before the servers. */
  defer(close: () => Promise<unknown>): void;
} {
  const runtime = currentRuntime();
  const clients: AmiHttpClient[] = [];
  const closers: Array<() => Promise<unknown>> = [];
  const servers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close({ logoff: false });
    for (const close of closers.splice(0)) await close();
    for (const close of servers.splice(0).reverse()) await close();
  });
  return {
    runtime,
    async start(options = {}, port = 0) {
      const rt = await runtime;
      const pbx = new SimulatedPbx({ listen: rt.listen, callTiming: FAST_TIMING, authFailureDelayMs: 20, ...options });
      const state: HttpPbx = { pbx, server: undefined as unknown as HttpServer, port: 0, base: "", seen: [], intercept: undefined };
      state.server = await rt.serve!({
        hostname: "127.0.0.1",
        port,
        fetch: async (request) => {
          const action = await actionOf(request);
          state.seen.push(action);
          return (await state.intercept?.(request, action)) ?? pbx.fetchHttp(request);
        },
      });
      state.port = state.server.port;
      state.base = `http://127.0.0.1:${state.port}`;
      servers.push(async () => {
        await pbx.close();
        await state.server.close(0);
      });
      return state;
    },
    client(base, options = {}) {
      const client = new AmiHttpClient({
        url: `${base}/rawman`,
        username: "hello",
        secret: "world",
        reconnect: exponentialBackoff({ initialMs: 20, maxMs: 200, refused: { initialMs: 20, maxMs: 100 }, fatalMs: false }),
        connectTimeoutMs: 3000,
        actionTimeoutMs: 3000,
        waitEventSeconds: 2,
        waitEventGraceMs: 2000,
        ...options,
      });
      clients.push(client);
      return client;
    },
    defer(close) {
      closers.push(close);
    },
  };
}

/** Resolves once `predicate` holds, polling every few ms; rejects after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 3000, what = "condition"): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Sleeps. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
