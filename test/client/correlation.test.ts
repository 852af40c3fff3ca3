import { afterEach, describe, expect, test } from "bun:test";
import type { AmiMessage } from "../../core/message.ts";
import { currentRuntime } from "../support/runtime.ts";
import { scriptedServer } from "../support/scripted-server.ts";
import { testClient } from "./helpers.ts";

const runtime = await currentRuntime();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setup(script: (peer: import("../support/scripted-server.ts").ScriptedPeer) => Promise<void>, options = {}) {
  const server = await scriptedServer(runtime, async (peer) => {
    await peer.greetAndLogin();
    await script(peer);
  });
  const client = testClient(runtime, server.port, options);
  cleanups.push(async () => {
    await client.close({ logoff: false });
    await server.close();
  });
  await client.connect();
  return { server, client };
}

describe("ActionID correlation", () => {
  test("responses resolve their own action even when answered out of order", async () => {
    const { client } = await setup(async (peer) => {
      const first = (await peer.next())!;
      const second = (await peer.next())!;
      await peer.reply(second, [["Ping", "Pong"], ["Which", "second"]]);
      await peer.reply(first, [["Ping", "Pong"], ["Which", "first"]]);
    });
    const [a, b] = await Promise.all([client.send({ Action: "Ping" }), client.send({ Action: "Ping" })]);
    expect(a.response.get("Which")).toBe("first");
    expect(b.response.get("Which")).toBe("second");
    expect(a.actionId).not.toBe(b.actionId);
    expect(a.actionId.startsWith("amib-")).toBe(true);
    expect(a.actionId).toMatch(/^amib-[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  test("a caller's own ActionID is replaced by a unique namespaced one", async () => {
    let seen: AmiMessage | undefined;
    const { client } = await setup(async (peer) => {
      seen = (await peer.next())!;
      await peer.reply(seen);
    });
    const result = await client.send({ Action: "Ping", ActionID: "mine" });
    expect(seen!.getAll("ActionID")).toEqual([result.actionId]);
  });

  test("an ActionID from createActionId is kept, so events can be awaited before sending", async () => {
    let seen: AmiMessage | undefined;
    const { client } = await setup(async (peer) => {
      seen = (await peer.next())!;
      await peer.send([["Event", "OriginateResponse"], ["ActionID", seen.get("ActionID")!], ["Response", "Success"], ["Reason", "4"]]);
      await peer.reply(seen);
    });
    const id = client.createActionId();
    const outcome = client.waitForEvent((e) => e.get("ActionID") === id);
    const result = await client.send({ Action: "Originate", Channel: "Local/1@default", Application: "Wait", Data: "1", Async: "true", ActionID: id });
    expect(result.actionId).toBe(id);
    expect(seen!.get("ActionID")).toBe(id);
    expect((await outcome).get("Reason")).toBe("4");
  });

  test("OriginateResponse and UserEvent carrying our ActionID are events, not the response", async () => {
    const events: string[] = [];
    const { client } = await setup(async (peer) => {
      const action = (await peer.next())!;
      const id = action.get("ActionID")!;
      await peer.send([["Event", "OriginateResponse"], ["Privilege", "call,all"], ["ActionID", id], ["Response", "Failure"], ["Reason", "0"]]);
      await peer.send([["Event", "UserEvent"], ["Privilege", "user,all"], ["ActionID", id], ["UserEvent", "x"]]);
      await peer.reply(action, [["Message", "Originate successfully queued"]]);
    });
    client.on("event", (e) => events.push(e.name));
    const result = await client.send({ Action: "Originate", Channel: "Local/1@default", Application: "Wait", Data: "1", Async: "true" });
    expect(result.ok).toBe(true);
    expect(result.response.get("Message")).toBe("Originate successfully queued");
    expect(events).toEqual(["OriginateResponse", "UserEvent"]);
  });

  test("Response: Error resolves with ok=false and keeps the message", async () => {
    const { client } = await setup(async (peer) => {
      const action = (await peer.next())!;
      await peer.reply(action, [["Message", "Invalid/unknown command: Nope. Use Action: ListCommands to show available commands."]], "Error");
    });
    const result = await client.send({ Action: "Nope" });
    expect(result.ok).toBe(false);
    expect(result.response.get("Message")).toContain("Invalid/unknown command");
  });

  test("a list collects its items up to Complete while other events interleave", async () => {
    const events: string[] = [];
    const { client } = await setup(async (peer) => {
      const action = (await peer.next())!;
      const id = action.get("ActionID")!;
      await peer.reply(action, [["EventList", "start"], ["Message", "Channels will follow"]]);
      await peer.send([["Event", "CoreShowChannel"], ["ActionID", id], ["Channel", "Local/1@default-00000001;1"]]);
      await peer.send([["Event", "Newexten"], ["Privilege", "dialplan,all"], ["Channel", "other"]]);
      await peer.send([["Event", "CoreShowChannel"], ["ActionID", id], ["Channel", "Local/1@default-00000001;2"]]);
      await peer.send([["Event", "CoreShowChannelsComplete"], ["ActionID", id], ["EventList", "Complete"], ["ListItems", "2"]]);
    });
    client.on("event", (e) => events.push(e.name));
    const result = await client.send({ Action: "CoreShowChannels" });
    expect(result.items.map((i) => i.get("Channel"))).toEqual(["Local/1@default-00000001;1", "Local/1@default-00000001;2"]);
    expect(result.complete?.get("ListItems")).toBe("2");
    expect(events).toEqual(["Newexten"]);
  });

  test("a list that ends with Response: Error resolves with no items", async () => {
    const { client } = await setup(async (peer) => {
      const action = (await peer.next())!;
      await peer.reply(action, [["Message", "Permission denied"]], "Error");
    });
    const result = await client.send({ Action: "CoreShowChannels" });
    expect(result.ok).toBe(false);
    expect(result.items).toEqual([]);
  });

  test("Command returns its Output lines verbatim, empty and indented ones included", async () => {
    const { client } = await setup(async (peer) => {
      const action = (await peer.next())!;
      await peer.reply(action, [["Message", "Command output follows"], ["Output", "Channel   State"], ["Output", ""], ["Output", "  indented"]]);
    });
    const result = await client.send({ Action: "Command", Command: "core show channels" });
    expect(result.output).toEqual(["Channel   State", "", "  indented"]);
  });

  test("Command in the pre-14 Response: Follows format returns the body lines", async () => {
    const { client } = await setup(async (peer) => {
      const action = (await peer.next())!;
      const id = action.get("ActionID")!;
      await peer.write(`Response: Follows\r\nPrivilege: Command\r\nActionID: ${id}\r\nChannel   State\nKey: looks like a header\n\nlast line\n--END COMMAND--\r\n\r\n`);
    });
    const result = await client.send({ Action: "Command", Command: "core show channels" });
    expect(result.ok).toBe(true);
    expect(result.output).toEqual(["Channel   State", "Key: looks like a header", "", "last line"]);
  });

  test("events are stamped with increasing sequence numbers and a receive time", async () => {
    const before = Date.now();
    const seen: Array<[number, number]> = [];
    const { client } = await setup(async (peer) => {
      const action = (await peer.next())!;
      for (let i = 0; i < 5; i++) await peer.send([["Event", "UserEvent"], ["UserEvent", String(i)]]);
      await peer.reply(action);
    });
    client.on("event", (e) => seen.push([e.seq, e.receivedAt]));
    await client.send({ Action: "Ping" });
    expect(seen.map(([seq]) => seq)).toEqual([1, 2, 3, 4, 5]);
    for (const [, at] of seen) expect(at).toBeGreaterThanOrEqual(before);
  });

  test("an unknown response is reported, not mistaken for ours", async () => {
    const errors: string[] = [];
    const { client } = await setup(async (peer) => {
      const action = (await peer.next())!;
      await peer.send([["Response", "Success"], ["ActionID", "someone-else"]]);
      await peer.reply(action);
    });
    client.on("error", (e) => errors.push(e.code));
    const result = await client.send({ Action: "Ping" });
    expect(result.ok).toBe(true);
    expect(errors).toEqual(["MALFORMED_MESSAGE"]);
    expect(client.stats.unmatchedResponses).toBe(1);
  });
});

describe("deadlines and aborts", () => {
  test("an unanswered action rejects with ACTION_TIMEOUT naming the action", async () => {
    const { client } = await setup(async (peer) => {
      await peer.next();
    });
    const error = await client.send({ Action: "Ping" }, { timeoutMs: 50 }).catch((e) => e);
    expect(error.code).toBe("ACTION_TIMEOUT");
    expect(error.message).toContain("Ping");
    expect(error.message).toContain("50 ms");
    expect(client.pendingActions).toBe(0);
  });

  test("a list's deadline is bounded by silence: steady items keep it alive, a stall times it out", async () => {
    const { client } = await setup(async (peer) => {
      for (const stallAfter of [Infinity, 2]) {
        const action = (await peer.next())!;
        const id = action.get("ActionID")!;
        await peer.reply(action, [["EventList", "start"]]);
        for (let i = 0; i < 6; i++) {
          if (i === stallAfter) return;
          await new Promise((r) => setTimeout(r, 50));
          await peer.send([["Event", "CoreShowChannel"], ["ActionID", id], ["N", String(i)]]);
        }
        await peer.send([["Event", "CoreShowChannelsComplete"], ["ActionID", id], ["EventList", "Complete"], ["ListItems", "6"]]);
      }
    });
    // Six items 50 ms apart take 300 ms in all: longer than the 200 ms deadline, which each item restarts.
    const steady = await client.send({ Action: "CoreShowChannels" }, { timeoutMs: 200 });
    expect(steady.items.length).toBe(6);
    const stalled = await client.send({ Action: "CoreShowChannels" }, { timeoutMs: 200 }).catch((e) => e);
    expect(stalled.code).toBe("ACTION_TIMEOUT");
    expect(stalled.message).toContain("the rest of its list");
  });

  test("an aborted action rejects with ABORTED and its late response is counted, not reported", async () => {
    const errors: unknown[] = [];
    let answer!: () => void;
    const answered = new Promise<void>((r) => (answer = r));
    const { client } = await setup(async (peer) => {
      const action = (await peer.next())!;
      await new Promise((r) => setTimeout(r, 50));
      await peer.reply(action);
      answer();
    });
    client.on("error", (e) => errors.push(e));
    const controller = new AbortController();
    const pending = client.send({ Action: "Ping" }, { signal: controller.signal });
    controller.abort();
    expect((await pending.catch((e) => e)).code).toBe("ABORTED");
    await answered;
    await client.send({ Action: "Ping" }, { timeoutMs: 50 }).catch(() => {});
    expect(client.stats.lateResponses).toBe(1);
    expect(errors).toEqual([]);
  });

  test("an action that cannot be encoded rejects before anything is written", async () => {
    let received = 0;
    const { client } = await setup(async (peer) => {
      while (await peer.next()) received++;
    });
    const error = await client.send({ Action: "Originate", Channel: "Local/1\r\nAction: Command" }).catch((e) => e);
    expect(error.code).toBe("INVALID_ACTION");
    expect(error.message).toContain('"Channel"');
    expect(received).toBe(0);
  });

  test("too many actions in flight are refused with TOO_MANY_PENDING", async () => {
    const { client } = await setup(async (peer) => {
      while (await peer.next()) {
        // never answer
      }
    }, { maxPendingActions: 3 });
    const pending = [1, 2, 3].map(() => client.send({ Action: "Ping" }, { timeoutMs: 200 }).catch((e) => e.code));
    const error = await client.send({ Action: "Ping" }).catch((e) => e);
    expect(error.code).toBe("TOO_MANY_PENDING");
    expect(await Promise.all(pending)).toEqual(["ACTION_TIMEOUT", "ACTION_TIMEOUT", "ACTION_TIMEOUT"]);
  });
});
