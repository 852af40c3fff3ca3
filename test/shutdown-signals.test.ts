/** The signal policy every main uses: first signal graceful, a duplicate delivery ignored, a later one forces. */
import { describe, expect, test } from "bun:test";
import { FORCED_EXIT_CODE, shutdownSignalHandler } from "../adapters/shared/shutdown-signals.ts";

describe("shutdown signals", () => {
  test("the first signal aborts; a repeat within a second is ignored; one after that exits at once", () => {
    let clock = 1000;
    const exits: number[] = [];
    const controller = new AbortController();
    const handle = shutdownSignalHandler(controller, (code) => void exits.push(code), () => clock);
    handle("SIGTERM");
    expect(controller.signal.aborted).toBe(true);
    expect(controller.signal.reason).toBe("SIGTERM");
    clock += 5;
    handle("SIGTERM"); // the same signal, delivered to the process and to its group
    expect(exits).toEqual([]);
    clock += 2000;
    handle("SIGINT");
    expect(exits).toEqual([FORCED_EXIT_CODE]);
  });
});
