/**
 * What the replay ring keeps of an entry. A live event entry holds its message as a view into
 * the socket chunk it was read from (which pins the whole chunk), the headers parsed from it, and
 * its JSON and SSE encodings: about 6 KB per entry once subscribers have seen it. The ring keeps
 * only the frame's bytes, copied out of a larger chunk once, and builds a fresh entry from them
 * when a subscriber resumes; that entry is dropped once sent, so a replay does not grow the ring.
 */
import { AmiMessage } from "../message.ts";
import { type BusEntry, eventEntry } from "./entry.ts";

const LF = 0x0a;
const CR = 0x0d;

/** The compact form of an event entry: the exact bytes of its frame and what the entry adds to them. */
export class StoredEvent {
  constructor(
    readonly seq: number,
    readonly server: string,
    readonly receivedAt: number,
    /** The client's own sequence number of the message. */
    readonly messageSeq: number,
    /** The frame; its buffer is exactly this long. */
    readonly bytes: Uint8Array,
    readonly follows: boolean,
  ) {}

  /** A new entry equal to the one stored (same headers, JSON and SSE frame), sharing the bytes. */
  restore(): BusEntry {
    const message = new AmiMessage(this.bytes, firstLineEnd(this.bytes), this.follows);
    message.seq = this.messageSeq;
    message.receivedAt = this.receivedAt;
    return eventEntry(this.seq, this.server, message);
  }
}

/** A ring slot: the compact form of an event, or the entry itself for what has no frame to keep (notices). */
export type StoredEntry = StoredEvent | BusEntry;

/**
 * The form of `entry` the ring keeps. Events decoded from bytes become a {@link StoredEvent}
 * whose frame is copied when it is a view into a larger buffer; notices and messages built from
 * pairs (`AmiMessage.from`, no bytes) are kept as they are.
 */
export function storedEntry(entry: BusEntry): StoredEntry {
  const message = entry.message;
  if (entry.type !== "event" || !message || message.bytes.byteLength === 0) return entry;
  return new StoredEvent(entry.seq, entry.server, entry.receivedAt, message.seq, exactBytes(message.bytes), message.follows);
}

/** The entry a slot stands for, ready to send. */
export function restoredEntry(slot: StoredEntry): BusEntry {
  return slot instanceof StoredEvent ? slot.restore() : slot;
}

/** Bytes of buffers a slot keeps alive (frames; notices count 0). */
export function heldBytes(slot: StoredEntry): number {
  return slot instanceof StoredEvent ? slot.bytes.buffer.byteLength : 0;
}

/**
 * `bytes` itself when it spans its whole buffer, else a copy that does: a view would pin the whole
 * socket chunk. `new Uint8Array(view)` copies even for a Node `Buffer`, whose `slice()` does not.
 */
function exactBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

/** End of the first line's content, before its CR LF or bare LF, as the decoder reports it. */
function firstLineEnd(bytes: Uint8Array): number {
  const lf = bytes.indexOf(LF);
  if (lf < 0) return bytes.byteLength;
  return lf > 0 && bytes[lf - 1] === CR ? lf - 1 : lf;
}
