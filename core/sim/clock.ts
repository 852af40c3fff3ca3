/** Time as Asterisk prints it in AMI: event timestamps, CDR times, uptimes, durations. */

function pad(value: number, width = 2): string {
  return String(value).padStart(width, "0");
}

/** Current time in microseconds since the epoch, as precise as the runtime allows. */
export function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** `Timestamp` of a Ping reply: seconds, a dot and six digits of microseconds. */
export function pingTimestamp(micros = nowMicros()): string {
  return `${Math.floor(micros / 1_000_000)}.${pad(micros % 1_000_000, 6)}`;
}

/** `EventTV` / `SessionTV` of security events: `2026-11-27T09:16:14.284+0000` (UTC). */
export function eventTimeValue(ms: number): string {
  const d = new Date(ms);
  return `${cdrDate(d)}T${cdrClock(d)}.${pad(d.getUTCMilliseconds(), 3)}+0000`;
}

/** CDR `StartTime` / `AnswerTime` / `EndTime`: `2026-11-27 09:16:16` (UTC). */
export function cdrTime(ms: number): string {
  const d = new Date(ms);
  return `${cdrDate(d)} ${cdrClock(d)}`;
}

/** `2026-11-27` (UTC). */
export function cdrDate(d: Date): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** `09:16:16` (UTC). */
export function cdrClock(d: Date): string {
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `00:00:01`: a channel's age in CoreShowChannel. */
export function hoursMinutesSeconds(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

/** `1 minute, 5 seconds`: how `core show uptime` words a span (years, weeks, days, hours, minutes, seconds). */
export function uptimeWords(seconds: number): string {
  let rest = Math.max(0, Math.floor(seconds));
  const units: Array<[string, number]> = [
    ["year", 365 * 86400],
    ["week", 7 * 86400],
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
  ];
  const parts: string[] = [];
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count} ${unit}${count === 1 ? "" : "s"}`);
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest} second${rest === 1 ? "" : "s"}`);
  return parts.join(", ");
}
