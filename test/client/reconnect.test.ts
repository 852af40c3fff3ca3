/**
 * Reconnecting to a server that was away for long: a loopback port where nothing listens, then the
 * simulated Asterisk on that port. The strategy is the real one with its times scaled down, and the
 * assertions are on the delays it chose and the attempts made, not on how fast the machine is.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { type ReconnectStrategy, exponentialBackoff } from "../../core/client/backoff.ts";
import type { AmiError } from "../../core/errors.ts";
import { SimulatedPbx } from "../../core/sim/mod.ts";
import { currentRuntime } from "../support/runtime.ts";
import { testClient, until } from "./helpers.ts";

const runtime = await currentRuntime();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A free loopback port with nothing listening on it: once a connect to it is refused. */
async function deadPort(): Promise<number> {
  const listener = await runtime.listen({ hostname: "127.0.0.1", port: 0 }, (transport) => void transport.close());
  const port = listener.port;
  await listener.close();
  // Deno's listener may still complete a handshake from its backlog (then resets it) just after close.
  for (let probe = 0; probe < 100; probe++) {
    const outcome = await runtime.connect({ hostname: "127.0.0.1", port }).then(
      async (transport) => void (await transport.close()),
      (error: AmiError) => error.reason,
    );
    if (outcome === "refused") return port;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`expected port ${port} to refuse connections once its listener closed, but it did not`);
}

/** The strategy, recording every failure it was asked about and the delay it chose. */
function recording(strategy: ReconnectStrategy): { strategy: ReconnectStrategy; chosen: Array<{ attempt: number; cause: AmiError; delay: number | false }> } {
  const chosen: Array<{ attempt: number; cause: AmiError; delay: number | false }> = [];
  return {
    chosen,
    strategy: (attempt, cause) => {
      const delay = strategy(attempt, cause);
      chosen.push({ attempt, cause, delay });
      return delay;
    },
  };
}

// The default schedules divided by 25: refused 4 ms → 40 ms, transient 10 ms → 1.2 s.
const SCALED = { initialMs: 10, maxMs: 1200, refused: { initialMs: 4, maxMs: 40 } };

describe("reconnecting after a long outage", () => {
  test("refused connects are classified on every runtime and retried within the short cap; the server's return is met by the next attempt", async () => {
    const port = await deadPort();
    const { strategy, chosen } = recording(exponentialBackoff(SCALED));
    const client = testClient(runtime, port, { reconnect: strategy });
    cleanups.push(() => client.close({ logoff: false }));
    const ready = client.connect();
    // 16 failures: the old schedule (doubling every failure, whatever the cause) would now wait 10 ms · 2^15, capped at 1.2 s.
    await until(() => chosen.length >= 16, 10_000, "16 refused attempts");
    const pbx = new SimulatedPbx({ listen: runtime.listen, authFailureDelayMs: 20 });
    cleanups.push(() => pbx.close());
    const failedBeforeReturn = chosen.length;
    await pbx.start({ hostname: "127.0.0.1", port });
    await ready;
    expect(client.state).toBe("ready");
    expect(chosen.filter(({ cause }) => !(cause.code === "CONNECT_FAILED" && cause.reason === "refused")).map(({ attempt, cause }) => `${attempt} ${cause.code}: ${cause.message}`)).toEqual([]);
    const delays = chosen.map(({ delay }) => delay as number);
    expect(Math.max(...delays)).toBeLessThanOrEqual(40);
    // Not a tight loop either: once at the cap, every wait is at least half of it.
    expect(Math.min(...delays.slice(4))).toBeGreaterThanOrEqual(20);
    // At most the one attempt already under way when the server came back failed after it.
    expect(chosen.length - failedBeforeReturn).toBeLessThanOrEqual(1);
  }, 20_000);

  test("without the cause-aware schedule the same outage would have backed off to the transient cap", async () => {
    // The same run, with a strategy that treats a refused connect like any failure: the regression this guards against.
    const port = await deadPort();
    const plain = exponentialBackoff(SCALED);
    const { strategy, chosen } = recording((attempt, cause) => plain(attempt, { ...cause, code: "CONNECTION_LOST", reason: undefined } as AmiError));
    const client = testClient(runtime, port, { reconnect: strategy });
    cleanups.push(() => client.close({ logoff: false }));
    void client.connect().catch(() => {});
    await until(() => chosen.length >= 8, 10_000, "8 refused attempts");
    expect(Math.max(...chosen.map(({ delay }) => delay as number))).toBeGreaterThan(40);
  }, 20_000);
});
