/** Turns a replay request (sequence range, time range or dead letters) into the sequence ranges to send again. */
import type { Journal } from "../../core/ports.ts";
import { badField } from "./request.ts";
import type { ReplayBody } from "./schema.ts";
import type { SeqRange } from "./ranges.ts";

const PAGE = 1000;

function parseTime(field: string, value: string | number): number {
  const time = typeof value === "number" ? value : Date.parse(value);
  if (!Number.isFinite(time)) throw badField(field, `expected an ISO 8601 time or ms since the epoch, got ${JSON.stringify(String(value).slice(0, 60))}`);
  return time;
}

/** The first and last sequence numbers of records received within `[fromTime, toTime]`, scanning the journal. */
async function seqRangeForTime(journal: Journal, fromTime: number, toTime: number): Promise<SeqRange | undefined> {
  let after = 0;
  let first: number | undefined;
  let last: number | undefined;
  for (;;) {
    const records = await journal.read(after, PAGE);
    for (const record of records) {
      if (record.time >= fromTime && record.time <= toTime) {
        first ??= record.seq;
        last = record.seq;
      }
    }
    if (records.length < PAGE) break;
    after = records.at(-1)!.seq;
    // Records are appended in time order (give or take clock steps): past toTime, nothing later matches.
    if (records.at(-1)!.time > toTime + 60_000) break;
  }
  return first === undefined ? undefined : [first, last!];
}

/** The ranges a replay body asks for; throws a 400 naming the field when it asks for nothing sensible. */
export async function replayRanges(body: ReplayBody, journal: Journal, committedSeq: number, dead: readonly SeqRange[]): Promise<SeqRange[]> {
  const bySeq = body.fromSeq !== undefined || body.toSeq !== undefined;
  const byTime = body.fromTime !== undefined || body.toTime !== undefined;
  const kinds = [bySeq, byTime, body.deadLetters === true].filter(Boolean).length;
  if (kinds !== 1) throw badField("body", `expected exactly one of fromSeq/toSeq, fromTime/toTime or deadLetters: true, got ${kinds === 0 ? "none" : "several"}`);
  if (body.deadLetters) return [...dead];
  if (bySeq) {
    const from = body.fromSeq ?? 1;
    const to = body.toSeq ?? committedSeq;
    if (to < from) throw badField("toSeq", `expected a sequence number at or above fromSeq ${from}, got ${to}`);
    if (from > committedSeq) throw badField("fromSeq", `expected a sequence number up to the last committed one (${committedSeq}), got ${from}`);
    return [[from, Math.min(to, committedSeq)]];
  }
  const fromTime = body.fromTime === undefined ? 0 : parseTime("fromTime", body.fromTime);
  const toTime = body.toTime === undefined ? Date.now() : parseTime("toTime", body.toTime);
  if (toTime < fromTime) throw badField("toTime", `expected a time at or after fromTime, got ${new Date(toTime).toISOString()}`);
  const range = await seqRangeForTime(journal, fromTime, toTime);
  return range ? [range] : [];
}
