/**
 * What Asterisk answers a Login it refuses, byte for byte as manager.c writes it (and as the
 * captures show): only `Authentication failed` means wrong credentials; every other refusal is
 * LOGIN_REFUSED, retried like any transient failure.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { AmiClientOptions } from "../../core/client/client.ts";
import { exponentialBackoff, retryClass } from "../../core/client/backoff.ts";
import type { AmiError } from "../../core/errors.ts";
import { SimulatedPbx } from "../../core/sim/mod.ts";
import { readFixture } from "../codec/helpers.ts";
import { currentRuntime } from "../support/runtime.ts";
import { type ScriptedPeer, scriptedServer } from "../support/scripted-server.ts";
import { testClient, until } from "./helpers.ts";

const runtime = await currentRuntime();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const BANNER = "Asterisk Call Manager/11.0.0\r\n";

/** Asterisk's astman_send_error: `Response: Error`, the ActionID, `Message:`, a blank line. */
function errorBytes(actionId: string, message: string): string {
  return `Response: Error\r\nActionID: ${actionId}\r\nMessage: ${message}\r\n\r\n`;
}

async function start(script: (peer: ScriptedPeer, index: number) => Promise<void>, options: Partial<AmiClientOptions> = {}) {
  const server = await scriptedServer(runtime, script);
  const client = testClient(runtime, server.port, options);
  cleanups.push(async () => {
    await client.close({ logoff: false });
    await server.close();
  });
  return { server, client };
}

/** Refuses the first Login with `message` (the session stays open, as Asterisk leaves it when shutting down). */
function refuseLogin(message: string) {
  return async (peer: ScriptedPeer) => {
    await peer.write(BANNER);
    const login = await peer.next();
    if (login) await peer.write(errorBytes(login.get("ActionID")!, message));
  };
}

describe("a refused login", () => {
  test("the captured `Authentication failed` bytes are AUTH_FAILED", async () => {
    const capture = new TextDecoder().decode(readFixture("errors-bad-password.raw"));
    const { client } = await start(async (peer) => {
      const [banner, rest] = [capture.slice(0, capture.indexOf("\r\n") + 2), capture.slice(capture.indexOf("\r\n") + 2)];
      await peer.write(banner);
      const login = await peer.next();
      await peer.write(rest.replace("ActionID: login-1", `ActionID: ${login!.get("ActionID")}`));
      await peer.close();
    });
    const error: AmiError = await client.connect().catch((e) => e);
    expect(error.code).toBe("AUTH_FAILED");
    expect(retryClass(error)).toBe("fatal");
  });

  // manager.c process_message and action_login: every answer a Login can get besides success.
  const refusals: Array<[string, "AUTH_FAILED" | "LOGIN_REFUSED"]> = [
    ["Authentication failed", "AUTH_FAILED"],
    ["Asterisk is shutting down", "LOGIN_REFUSED"],
    ["Login Already In Use", "LOGIN_REFUSED"],
    ["Permission denied", "LOGIN_REFUSED"],
    ["Invalid/unknown command: Login. Use Action: ListCommands to show available commands.", "LOGIN_REFUSED"],
  ];
  for (const [message, code] of refusals) {
    test(`"${message}" is ${code}`, async () => {
      const { client } = await start(refuseLogin(message), { secret: "s3cr3t-value" });
      const error: AmiError = await client.connect().catch((e) => e);
      expect(error.code).toBe(code);
      expect(error.message).toContain(message.slice(0, 40));
      expect(error.message).toContain('"hello"');
      expect(error.message).not.toContain("s3cr3t-value");
      expect(retryClass(error)).toBe(code === "AUTH_FAILED" ? "fatal" : "transient");
    });
  }

  test("an MD5 Challenge refused while shutting down is LOGIN_REFUSED too", async () => {
    const { client } = await start(async (peer) => {
      await peer.write(BANNER);
      const challenge = await peer.next();
      await peer.write(errorBytes(challenge!.get("ActionID")!, "Asterisk is shutting down"));
    }, { auth: "md5" });
    const error: AmiError = await client.connect().catch((e) => e);
    expect(error.code).toBe("LOGIN_REFUSED");
    expect(error.message).toContain("Challenge");
  });

  test("a shutting-down refusal is retried on the transient schedule, not held to the wrong-secret floor", async () => {
    const { client, server } = await start(async (peer, index) => {
      if (index < 2) return refuseLogin("Asterisk is shutting down")(peer);
      await peer.greetAndLogin();
    }, { reconnect: exponentialBackoff({ initialMs: 10 }), fatalRetryMinMs: 60_000 });
    const states: string[] = [];
    client.on("state", ({ state, cause }) => cause && states.push(`${state}:${cause.code}`));
    // With a floor of a minute, only a transient retry can get in within the wait.
    await client.connect();
    expect(server.peers.length).toBe(3);
    expect(states).toEqual(["reconnecting:LOGIN_REFUSED", "reconnecting:LOGIN_REFUSED"]);
  });

  test("the simulated Asterisk refuses every action while it shuts down, with Asterisk's bytes", async () => {
    const pbx = new SimulatedPbx({ listen: runtime.listen, authFailureDelayMs: 20 });
    const { port } = await pbx.start({ hostname: "127.0.0.1", port: 0 });
    cleanups.push(() => pbx.close());
    pbx.shuttingDown = true;
    const refused = testClient(runtime, port);
    const error: AmiError = await refused.connect().catch((e) => e);
    expect(error.code).toBe("LOGIN_REFUSED");
    expect(error.message).toContain("Asterisk is shutting down");
    pbx.shuttingDown = false;
    const client = testClient(runtime, port);
    cleanups.push(() => client.close());
    await client.connect();
    pbx.shuttingDown = true;
    const ping = await client.send({ Action: "Ping" });
    expect(ping.ok).toBe(false);
    expect(ping.response.headers).toEqual([["Response", "Error"], ["ActionID", ping.actionId], ["Message", "Asterisk is shutting down"]]);
    pbx.shuttingDown = false;
    await until(() => client.state === "ready");
  });
});
