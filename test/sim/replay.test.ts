/**
 * Replays real client traffic (`*.sent`) against the simulator and compares what comes back with
 * what Asterisk 22 sent (`*.raw`), message for message, header for header; only times, session
 * ids and addresses are masked.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { SimulatedPbx } from "../../core/sim/mod.ts";
import { RawClient, captureMessages, normalize, replay, sentActions, startPbx } from "./helpers.ts";

let pbx: SimulatedPbx | undefined;
afterEach(async () => {
  await pbx?.close();
  pbx = undefined;
});

/** Replays `name.sent` on a fresh simulator and returns both streams normalised. */
async function replayCapture(name: string, settleMs = 0): Promise<{ sim: string[]; real: string[]; client: RawClient }> {
  const started = await startPbx();
  pbx = started.pbx;
  const client = await RawClient.connect(started.runtime, started.port);
  await replay(client, sentActions(`${name}.sent`), settleMs);
  await client.closedWithin(500);
  return { sim: client.messages.map((m) => normalize(m)), real: captureMessages(`${name}.raw`).map((m) => normalize(m)), client };
}

describe("replayed captures answer like Asterisk 22", () => {
  test("tcp-login-ping: login, FullyBooted, SuccessfulAuth, Ping with and without ActionID, Logoff", async () => {
    const { sim, real, client } = await replayCapture("tcp-login-ping");
    expect(client.banner).toBe("Asterisk Call Manager/11.0.0");
    expect(sim).toEqual(real);
    expect(await client.closedWithin(500)).toBe(true);
  });

  test("errors: Permission denied before login, missing action, readonly refused, unknown action", async () => {
    const { sim, real } = await replayCapture("errors");
    expect(sim).toEqual(real);
  });

  test("errors-hello: Originate without Channel, bogus technology, unknown channels, Getvar without variable", async () => {
    const { sim, real } = await replayCapture("errors-hello", 30);
    expect(sim).toEqual(real);
  });

  test("errors-bad-password and errors-unknown-user: Authentication failed, then the server closes", async () => {
    for (const name of ["errors-bad-password", "errors-unknown-user"]) {
      const { sim, real, client } = await replayCapture(name);
      expect(sim).toEqual(real);
      expect(await client.closedWithin(500)).toBe(true);
      await pbx?.close();
    }
  });

  test("originate-events: an answered async Originate produces the same events, byte for byte but times", async () => {
    const { sim, real } = await replayCapture("originate-events", 150);
    expect(sim).toEqual(real);
  });
});
