/**
 * The event the load processes of bench:fanout and bench:webhook flood: a Newstate shaped like
 * a real one, stamped with its index and send time (`BenchStamp: <index>/<ms since the epoch>`),
 * which the receivers read back for latency.
 */
import type { Pairs } from "../core/sim/mod.ts";

/** Milliseconds since the epoch, sub-millisecond (the stamps' clock). */
export const now = (): number => performance.timeOrigin + performance.now();

const CHANNEL_STATES: Array<[string, string]> = [
  ["4", "Ring"],
  ["5", "Ringing"],
  ["6", "Up"],
];

/** Headers of flood event `i` after Event and Privilege; the stamp is taken here, as the PBX queues it. */
export function floodHeaders(i: number): Pairs {
  const ext = 1000 + (i % 200);
  const id = `1732712345.${i % 10_000}`;
  const [state, desc] = CHANNEL_STATES[i % 3]!;
  return [
    ["Channel", `PJSIP/${ext}-${(i & 0xffff).toString(16).padStart(8, "0")}`],
    ["ChannelState", state],
    ["ChannelStateDesc", desc],
    ["CallerIDNum", String(ext)],
    ["CallerIDName", `Agent ${ext}`],
    ["ConnectedLineNum", "5551234"],
    ["ConnectedLineName", "Customer"],
    ["Language", "en"],
    ["AccountCode", "sales"],
    ["Context", "from-internal"],
    ["Exten", "s"],
    ["Priority", "1"],
    ["Uniqueid", id],
    ["Linkedid", id],
    ["BenchStamp", `${i}/${now().toFixed(3)}`],
  ];
}
