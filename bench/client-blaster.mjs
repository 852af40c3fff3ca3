#!/usr/bin/env node
/**
 * A fake Asterisk for `npm run bench:client`: a plain Node TCP server (its own process, so it never
 * shares an event loop with the client under test) that floods each connection with real events.
 *
 *   node bench/client-blaster.mjs [--events 500000] [--port 0] [--host 127.0.0.1] [--slice 65536]
 *
 * Prints one JSON line on stdout once listening: {port, host, events, bytes, unitEvents, unitBytes}
 * (`bytes` is what `events` events weigh on the wire, marker excluded). Exits when stdin ends (its
 * parent went away) or on SIGTERM/SIGINT.
 *
 * Per connection:
 * - sends the banner `Asterisk Call Manager/11.0.0`;
 * - answers every action as it arrives, echoing its ActionID: Login → `Success` / `Authentication
 *   accepted` (whatever the credentials), Ping → `Success` / `Ping: Pong`, Logoff → `Goodbye` then
 *   it closes, anything else → `Success`;
 * - `Action: BenchStart` (optional header `Events: <n>`, default `--events`) is answered with
 *   `Events:` and `Bytes:` headers, then the stream starts: the Event messages of
 *   test/fixtures/asterisk-22/busy-stream.raw (its Responses skipped), repeated until n events,
 *   then the marker `Event: UserEvent` / `UserEvent: BenchDone`. A client under test sends
 *   BenchStart once its listeners are in place, so no peer loses events to its own start-up.
 *
 * The stream is written in slices of at most `--slice` bytes that start and end on message
 * boundaries, and a `write()` that returns false waits for 'drain'. Responses are written as soon
 * as their action is read, between two slices: an action's answer queues behind at most what the
 * socket already holds, as with a real Asterisk under load.
 */
import { readFileSync } from "node:fs";
import * as net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CAPTURE = join(ROOT, "test/fixtures/asterisk-22/busy-stream.raw");
const BANNER = "Asterisk Call Manager/11.0.0\r\n";
export const MARKER = Buffer.from("Event: UserEvent\r\nPrivilege: user,all\r\nUserEvent: BenchDone\r\n\r\n", "latin1");

/** The capture's Event messages, joined: `unit`, with `offsets[i]` the start of event i (and the end at `offsets[n]`). */
export function loadUnit(path = CAPTURE) {
  const raw = readFileSync(path);
  const text = raw.toString("latin1");
  const body = text.slice(text.indexOf("\n") + 1);
  const pieces = [];
  let start = 0;
  for (;;) {
    const end = body.indexOf("\r\n\r\n", start);
    if (end < 0) break;
    const message = body.slice(start, end + 4);
    if (/^event:/i.test(message)) pieces.push(message);
    start = end + 4;
  }
  const unit = Buffer.from(pieces.join(""), "latin1");
  const offsets = [0];
  for (const piece of pieces) offsets.push(offsets[offsets.length - 1] + piece.length);
  return { unit, offsets, events: pieces.length };
}

/** Wire bytes of `n` events from the repeated unit. */
export function streamBytes({ unit, offsets, events }, n) {
  return Math.floor(n / events) * unit.length + offsets[n % events];
}

/** Message-aligned views of the unit, each at most `max` bytes (or one message, if that is larger). */
function unitSlices({ unit, offsets, events }, max) {
  const slices = [];
  let first = 0;
  while (first < events) {
    let last = first + 1;
    while (last < events && offsets[last + 1] - offsets[first] <= max) last++;
    slices.push({ bytes: unit.subarray(offsets[first], offsets[last]), first, events: last - first });
    first = last;
  }
  return slices;
}

/** The slices that carry exactly `n` events. */
function* streamSlices(source, slices, n) {
  let left = n;
  while (left >= source.events) {
    for (const slice of slices) yield slice.bytes;
    left -= source.events;
  }
  for (const slice of slices) {
    if (left === 0) return;
    if (slice.events <= left) {
      yield slice.bytes;
      left -= slice.events;
    } else {
      yield source.unit.subarray(source.offsets[slice.first], source.offsets[slice.first + left]);
      return;
    }
  }
}

function parseArgs(argv) {
  const options = { events: 500_000, port: 0, host: "127.0.0.1", slice: 64 * 1024 };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, "");
    if (!(key in options)) throw new Error(`unknown option ${argv[i]}`);
    const value = argv[++i];
    options[key] = key === "host" ? value : Number(value);
  }
  return options;
}

/** One client connection. */
function serve(socket, source, slices, options) {
  socket.setNoDelay(true);
  socket.on("error", () => {});
  let closed = false;
  let streaming = false;
  let wake;
  socket.on("close", () => {
    closed = true;
    wake?.();
  });
  socket.on("drain", () => wake?.());
  socket.write(BANNER);

  async function stream(n) {
    for (const bytes of streamSlices(source, slices, n)) {
      if (closed) return;
      if (!socket.write(bytes)) {
        await new Promise((resolve) => (wake = resolve));
        wake = undefined;
      }
    }
    if (!closed) socket.write(MARKER);
  }

  let text = "";
  socket.on("data", (chunk) => {
    text += chunk.toString("latin1");
    for (;;) {
      const match = /\r?\n\r?\n/.exec(text);
      if (!match) break;
      const message = text.slice(0, match.index);
      text = text.slice(match.index + match[0].length);
      if (message.trim() !== "") answer(message);
    }
  });

  function answer(message) {
    const headers = new Map();
    for (const line of message.split(/\r?\n/)) {
      const colon = line.indexOf(":");
      if (colon > 0) {
        const key = line.slice(0, colon).trim().toLowerCase();
        if (!headers.has(key)) headers.set(key, line.slice(colon + 1).trim());
      }
    }
    const action = (headers.get("action") ?? "").toLowerCase();
    const lines = [];
    const id = headers.get("actionid");
    const reply = (response, ...rest) => {
      lines.push(`Response: ${response}`);
      if (id !== undefined) lines.push(`ActionID: ${id}`);
      lines.push(...rest);
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    };
    switch (action) {
      case "login":
        reply("Success", "Message: Authentication accepted");
        break;
      case "ping":
        reply("Success", "Ping: Pong", `Timestamp: ${(Date.now() / 1000).toFixed(6)}`);
        break;
      case "logoff":
        reply("Goodbye", "Message: Thanks for all the fish.");
        socket.end();
        break;
      case "benchstart": {
        const n = headers.has("events") ? Number(headers.get("events")) : options.events;
        if (!Number.isInteger(n) || n < 0) {
          reply("Error", `Message: Events must be a whole number, got ${headers.get("events")}`);
          break;
        }
        reply("Success", "Message: Streaming", `Events: ${n}`, `Bytes: ${streamBytes(source, n)}`);
        if (!streaming) {
          streaming = true;
          void stream(n);
        }
        break;
      }
      default:
        reply("Success", "Message: OK");
    }
  }
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const source = loadUnit();
  const slices = unitSlices(source, options.slice);
  const server = net.createServer((socket) => serve(socket, source, slices, options));
  server.listen(options.port, options.host, () => {
    const { port } = server.address();
    const ready = {
      port,
      host: options.host,
      events: options.events,
      bytes: streamBytes(source, options.events),
      unitEvents: source.events,
      unitBytes: source.unit.length,
    };
    process.stdout.write(`${JSON.stringify(ready)}\n`);
  });
  const stop = () => {
    server.close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  if (!process.stdin.isTTY) {
    process.stdin.on("end", stop);
    process.stdin.on("close", stop);
    process.stdin.resume();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
