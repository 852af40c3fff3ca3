/**
 * The few CLI commands the `Command` action can run in the simulation, with Asterisk's output
 * formats (`main/cli.c`, `main/manager.c`); anything else gets Asterisk's "No such command".
 */
import type { PbxState } from "./action-context.ts";
import { STATE_DESC } from "./channels.ts";
import { uptimeWords } from "./clock.ts";

/** What a command printed, and whether Asterisk counts it as a success. */
export interface CliResult {
  ok: boolean;
  lines: string[];
}

/** Text after the version in `core show version`. */
export const BUILD_INFO = "built by root @ vm on a x86_64 running Linux on 2026-11-27 09:07:54 UTC";

/** Commands the simulation knows, for the "No such command" hint. */
const KNOWN = [
  "core show version",
  "core show uptime",
  "core show channels",
  "core show calls",
  "core show help",
  "manager show connected",
];

/** Pads or cuts like printf's `%-N.Ns`. */
function column(text: string, width: number): string {
  return text.length > width ? text.slice(0, width) : text.padEnd(width);
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** Runs `command` against the simulated PBX. */
export function runCliCommand(command: string, pbx: PbxState): CliResult {
  const words = command.trim().split(/\s+/).filter((word) => word !== "");
  const line = words.join(" ").toLowerCase();
  const seconds = Math.floor((Date.now() - pbx.startedAt) / 1000);
  switch (line) {
    case "core show version":
      return { ok: true, lines: [`Asterisk ${pbx.asteriskVersion} ${BUILD_INFO}`] };
    case "core show uptime":
      return { ok: true, lines: [`System uptime: ${uptimeWords(seconds)}`, `Last reload: ${uptimeWords(seconds)}`] };
    case "core show uptime seconds":
      return { ok: true, lines: [`System uptime: ${seconds}`, `Last reload: ${seconds}`] };
    case "core show channels":
      return { ok: true, lines: showChannels(pbx) };
    case "core show channels count":
    case "core show calls":
      return { ok: true, lines: counts(pbx, line.endsWith("count")) };
    case "manager show connected":
      return { ok: true, lines: showConnected(pbx) };
  }
  return {
    ok: false,
    lines: [`No such command '${command}' (type 'core show help ${bestMatch(words)}' for other possible commands)`],
  };
}

/** The words of `words` up to the first that no known command continues with (cli.c find_best). */
function bestMatch(words: string[]): string {
  const known = KNOWN.map((entry) => entry.split(" "));
  const kept: string[] = [];
  for (const word of words) {
    kept.push(word);
    const continues = known.some((entry) => kept.every((w, i) => (i < kept.length - 1 ? entry[i] === w.toLowerCase() : (entry[i] ?? "").startsWith(w.toLowerCase()))));
    if (!continues) break;
  }
  return kept.join(" ");
}

function counts(pbx: PbxState, withChannels: boolean): string[] {
  const lines = withChannels ? [`${plural(pbx.calls.channels.size, "active channel")}`] : [];
  lines.push(plural(pbx.calls.currentCalls, "active call"), `${plural(pbx.calls.processedCalls, "call")} processed`);
  return lines;
}

function showChannels(pbx: PbxState): string[] {
  const row = (a: string, b: string, c: string, d: string) => `${column(a, 64)} ${column(b, 32)} ${column(c, 7)} ${column(d, 30)}`;
  const lines = [row("Channel", "Location", "State", "Application(Data)")];
  for (const channel of pbx.calls.channels.list()) {
    const app = channel.application === "" ? "(None)" : `${channel.application}(${channel.appData})`;
    lines.push(row(channel.name, `${channel.exten}@${channel.context}:${channel.priority}`, STATE_DESC[channel.state] ?? "Unknown", app));
  }
  return [...lines, ...counts(pbx, true)];
}

function showConnected(pbx: PbxState): string[] {
  const row = (cells: string[]) =>
    `  ${column(cells[0]!, 15)}  ${column(cells[1]!, 55)}  ${column(cells[2]!, 10)}  ${column(cells[3]!, 10)}  ${column(cells[4]!, 8)}  ${column(cells[5]!, 8)}  ${column(cells[6]!, 10)}  ${column(cells[7]!, 10)}`;
  const lines = [row(["Username", "IP Address", "Start", "Elapsed", "FileDes", "HttpCnt", "ReadPerms", "WritePerms"])];
  const now = Date.now();
  const sessions = pbx.sessions().filter((session) => session.authenticated);
  for (const session of sessions) {
    const address = session.remoteAddress.split("/")[2] ?? "127.0.0.1";
    lines.push(
      row([
        session.username,
        address,
        String(Math.floor(session.startedAt / 1000)),
        String(Math.floor((now - session.startedAt) / 1000)),
        String(13 + session.id),
        "0",
        String(session.user!.readMask),
        String(session.user!.writeMask),
      ]),
    );
  }
  lines.push(`${sessions.length} users connected.`);
  return lines;
}
