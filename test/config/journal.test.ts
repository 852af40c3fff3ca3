/** The `journal` section: absent by default, bounded defaults when present, every bad value named. */
import { describe, expect, test } from "bun:test";
import { parseConfig } from "../../core/config/mod.ts";
import { configError, envOf } from "./helpers.ts";

const parse = (input: unknown) => parseConfig(input, envOf(), "amibridge.json");

describe("the journal section", () => {
  test("absent: no journal, as before", () => {
    expect(parse({}).journal).toBeUndefined();
  });

  test("a path alone gets bounded defaults: 5 ms or 1000 events per commit, 1M records, 1 GiB, 7 days, drop-oldest, synchronous normal", () => {
    expect(parse({ journal: { path: "/var/lib/amibridge/journal.db" } }).journal).toEqual({
      path: "/var/lib/amibridge/journal.db",
      commitMs: 5,
      commitEvents: 1000,
      maxRecords: 1_000_000,
      maxBytes: 1024 ** 3,
      maxAgeMs: 7 * 86_400_000,
      whenFull: "drop-oldest",
      synchronous: "normal",
    });
  });

  test("every key can be set", () => {
    const journal = { path: "j.db", commitMs: 0, commitEvents: 1, maxRecords: 10, maxBytes: 4096, maxAgeMs: 60_000, whenFull: "stop-accepting", synchronous: "full" } as const;
    expect(parse({ journal }).journal).toEqual(journal);
  });

  test.each([
    [{}, "journal.path: expected a value (this key is required)"],
    [{ path: "" }, "journal.path: expected a file path"],
    [{ path: "j.db", commitMs: -1 }, "journal.commitMs: expected an integer from 0 to 60000 (milliseconds)"],
    [{ path: "j.db", commitEvents: 0 }, "journal.commitEvents: expected an integer from 1 to 1000000 (events)"],
    [{ path: "j.db", maxRecords: 1.5 }, "journal.maxRecords: expected an integer from 1 to 1099511627776 (records)"],
    [{ path: "j.db", maxBytes: 10 }, "journal.maxBytes: expected an integer from 1024 to 1125899906842624 (bytes)"],
    [{ path: "j.db", whenFull: "block" }, 'journal.whenFull: expected one of "drop-oldest", "stop-accepting"'],
    [{ path: "j.db", synchronous: "off" }, 'journal.synchronous: expected one of "normal", "full"'],
    [{ path: "j.db", maxRecord: 5 }, 'journal.maxRecord: expected one of the keys path, commitMs, commitEvents, maxRecords, maxBytes, maxAgeMs, whenFull, synchronous (did you mean "maxRecords"?)'],
  ])("%j is refused, naming the field", (journal, message) => {
    expect(configError(() => parse({ journal })).message).toContain(`amibridge.json: ${message}`);
  });
});
