/** The job reducers: states from what the spool shows, and channels linked to jobs by the captured events. */
import { describe, expect, test } from "bun:test";
import { isStale, JobChannels, stateFromSpool, type JobEventChange } from "../../core/callfile/job-state.ts";
import { parseCallFile } from "../../core/callfile/parse.ts";
import { decodeAll } from "../../core/decoder.ts";
import { readFixture } from "../codec/helpers.ts";

const NOW = Date.parse("2026-12-03T15:00:00Z");
const BASE = "Channel: PJSIP/2001\nApplication: Wait\nMaxRetries: 2\nArchive: yes\n";

describe("stateFromSpool", () => {
  test("in outgoing/: scheduled or queued by the mtime, dialing while a StartRetry is open, retrying after EndRetry", () => {
    const at = (text: string, mtimeMs: number) => stateFromSpool({ location: "outgoing", file: parseCallFile(text), mtimeMs }, NOW);
    expect(at(BASE, NOW + 60_000)).toEqual({ state: "scheduled", attempts: 0, dueAt: NOW + 60_000 });
    expect(at(BASE, NOW)).toEqual({ state: "queued", attempts: 0, dueAt: NOW });
    const started = `${BASE}\nStartRetry: 12475 1 (1)\n`;
    expect(at(started, NOW + 300_000)).toEqual({ state: "dialing", attempts: 1 });
    expect(at(`${started}\nEndRetry: 12475 1 (2)\n`, NOW + 300_000)).toEqual({ state: "retrying", attempts: 1, dueAt: NOW + 300_000 });
    expect(at(`${started}\nEndRetry: 12475 1 (2)\n\nStartRetry: 12475 2 (3)\n`, NOW)).toEqual({ state: "dialing", attempts: 2 });
  });

  test("in outgoing_done/: the Status: line decides; the captured archive is completed after one attempt", () => {
    const done = new TextDecoder().decode(readFixture("callfile-example.done"));
    expect(stateFromSpool({ location: "done", file: parseCallFile(done) }, NOW)).toEqual({ state: "completed", attempts: 1 });
    expect(stateFromSpool({ location: "done", file: parseCallFile(`${BASE}Status: Expired\n`) }, NOW)?.state).toBe("expired");
    expect(stateFromSpool({ location: "done", file: parseCallFile(`${BASE}Status: Failed\n`) }, NOW)?.state).toBe("failed");
    // Moved but its Status: not appended yet: no answer yet, rather than a wrong one.
    expect(stateFromSpool({ location: "done", file: parseCallFile(BASE) }, NOW)).toBeUndefined();
    expect(stateFromSpool({ location: "gone" }, NOW)?.state).toBe("removed");
  });

  test("older news never takes a job back", () => {
    expect(isStale({ state: "dialing", attempts: 1 }, { state: "queued", attempts: 0 })).toBe(true);
    expect(isStale({ state: "retrying", attempts: 1 }, { state: "dialing", attempts: 1 })).toBe(true);
    expect(isStale({ state: "retrying", attempts: 1 }, { state: "dialing", attempts: 2 })).toBe(false);
    expect(isStale({ state: "scheduled", attempts: 0 }, { state: "queued", attempts: 0 })).toBe(false);
    expect(isStale({ state: "completed", attempts: 1 }, { state: "dialing", attempts: 2 })).toBe(true);
    expect(isStale({ state: "dialing", attempts: 2 }, { state: "expired", attempts: 2 })).toBe(false);
  });
});

describe("JobChannels on callfile-events.raw", () => {
  test("the Setvar of the captured call file links both legs of its call, with the attempt; their hangups report the cause", () => {
    // The captured file set CALLFILE=yes: follow that variable as the bridge follows AMIBRIDGE_JOB.
    const { messages } = decodeAll(readFixture("callfile-events.raw"));
    const channels = new JobChannels("CALLFILE");
    const changes: JobEventChange[] = [];
    for (const message of messages) {
      const change = channels.apply(message);
      if (change) changes.push(change);
    }
    const dialing = changes.filter((c) => c.kind === "dialing");
    expect(dialing.map((c) => [c.jobId, c.channel, c.kind === "dialing" ? c.attempt : undefined])).toEqual([
      ["yes", "Local/100@test-0000000c;1", undefined],
      ["yes", "Local/100@test-0000000c;1", 1],
      ["yes", "Local/100@test-0000000c;2", 1],
    ]);
    const hangups = changes.filter((c) => c.kind === "hangup");
    expect(hangups.map((c) => [c.channel, c.kind === "hangup" ? c.cause : undefined])).toEqual([
      ["Local/100@test-0000000c;1", 0],
      ["Local/100@test-0000000c;2", 0],
    ]);
    // The second call file had no such variable: its channels are followed, then forgotten at their hangup.
    expect(channels.size).toBe(0);
  });

  test("channels that never hang up do not pile up beyond the limit", () => {
    const channels = new JobChannels("AMIBRIDGE_JOB", 3);
    for (let i = 0; i < 10; i++) channels.apply({ name: "Newchannel", get: (h) => ({ Uniqueid: `u${i}`, Channel: `PJSIP/${i}` })[h] });
    expect(channels.size).toBe(3);
  });
});

describe("owner and mode settings", () => {
  test("user[:group] by name (from /etc/passwd and /etc/group) or number; unknown names and bad modes are refused", async () => {
    const { resolveOwner, parseMode } = await import("../../core/callfile/owner.ts");
    const { realFiles } = await import("./helpers.ts");
    const files = await realFiles();
    expect(await resolveOwner("root", files)).toEqual({ uid: 0, gid: 0 });
    expect(await resolveOwner("root:root", files)).toEqual({ uid: 0, gid: 0 });
    expect(await resolveOwner("995:996", files)).toEqual({ uid: 995, gid: 996 });
    await expect(resolveOwner("no-such-user-here", files)).rejects.toThrow('expected a user name from /etc/passwd or a number, got "no-such-user-here"');
    await expect(resolveOwner("root:no-such-group", files)).rejects.toThrow("expected a group name from /etc/group");
    await expect(resolveOwner("995", files)).rejects.toThrow("expected user:group with a numeric user");
    expect(parseMode("0660")).toBe(0o660);
    expect(parseMode("640")).toBe(0o640);
    expect(() => parseMode("0999")).toThrow('expected permission bits such as "0660"');
  });
});
