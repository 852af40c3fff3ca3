/**
 * `amibridge serve` as a real process on the runtime running the tests (node bin/amibridge.mjs,
 * bun adapters/bun/main.ts, deno run -A adapters/deno/main.ts): SIGTERM and SIGINT each end it
 * cleanly, with exit code 0, a shutdown line, and no lingering handles keeping it alive.
 * A request in flight when SIGTERM arrives (a synchronous Originate that rings for 1.5 s) still
 * gets its answer before the process exits; an open event stream is ended, not waited for.
 */
import { describe, expect, test } from "bun:test";
import { cliCommand, startServe, waitHealthy } from "../support/cli-process.ts";
import { runtimeName } from "../support/runtime.ts";

describe(`amibridge serve on ${runtimeName}, as a real process`, () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    test(`${signal} after /healthz is ok: logs the shutdown and exits 0 within a few seconds`, async () => {
      const serve = startServe(cliCommand());
      try {
        const base = await serve.listening(20_000);
        await waitHealthy(base, 10_000);
        const exit = await serve.stop(signal);
        expect({ code: exit.code, signal: exit.signal, stderr: serve.stderr }).toEqual({ code: 0, signal: null, stderr: expect.stringMatching(/shut(ting)? ?down/i) });
        expect(exit.afterMs).toBeLessThan(3_000);
      } finally {
        await serve.dispose();
      }
    }, 40_000);
  }

  test("SIGTERM lets an in-flight action finish, ends open event streams, then exits 0", async () => {
    const serve = startServe(cliCommand());
    try {
      const base = await serve.listening(20_000);
      await waitHealthy(base, 10_000);
      const stream = await fetch(`${base}/v1/events`);
      expect(stream.status).toBe(200);
      const streamEnded = stream.body!.pipeTo(new WritableStream()).then(() => "ended", () => "ended");
      // A synchronous Originate to a destination that rings until its Timeout: about 1.5 s in flight.
      const started = performance.now();
      const action = fetch(`${base}/v1/actions/Originate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ Channel: "Local/noanswer@default", Application: "Wait", Data: "1", Async: false, Timeout: 1500 }),
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const exit = serve.stop("SIGTERM");
      const response = await action;
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body).toMatchObject({ ok: false, action: "Originate" });
      expect(performance.now() - started).toBeGreaterThan(1400);
      expect(await streamEnded).toBe("ended");
      expect((await exit).code).toBe(0);
      expect(serve.stderr).toContain("logged off");
    } finally {
      await serve.dispose();
    }
  }, 40_000);

  test("a SIGTERM repeated during the shutdown (GNU timeout signals the process and its group) does not cut it short", async () => {
    const serve = startServe(cliCommand());
    try {
      const base = await serve.listening(20_000);
      await waitHealthy(base, 10_000);
      // An action that rings for 1.5 s keeps the shutdown busy while the repeat arrives.
      const action = fetch(`${base}/v1/actions/Originate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ Channel: "Local/noanswer@default", Application: "Wait", Data: "1", Async: false, Timeout: 1500 }),
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const exit = serve.stop("SIGTERM");
      while (!serve.stderr.includes("shutting down")) await new Promise((resolve) => setTimeout(resolve, 10));
      serve.signal("SIGTERM");
      expect((await action).status).toBe(200);
      expect((await exit).code).toBe(0);
      expect(serve.stderr).toContain("stopped; upstreams logged off");
    } finally {
      await serve.dispose();
    }
  }, 40_000);
});
