/** Byte-level helpers for transport tests: deterministic payloads, checksums, reading helpers. */
import type { Transport } from "../../core/ports.ts";

const KiB = 1024;

/** Incremental FNV-1a over every byte. */
function fnv1a(hash: number, bytes: Uint8Array): number {
  let h = hash;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}
const FNV_OFFSET = 0x811c9dc5;

/** Deterministic pseudo-random bytes (xorshift32), produced in 64 KiB chunks. */
export function* pattern(seed: number, size: number): Generator<Uint8Array> {
  let x = seed >>> 0 || 1;
  for (let offset = 0; offset < size; offset += 64 * KiB) {
    const chunk = new Uint8Array(Math.min(64 * KiB, size - offset));
    for (let i = 0; i < chunk.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      chunk[i] = x & 0xff;
    }
    yield chunk;
  }
}

/** FNV-1a of everything {@link pattern} yields for `seed` and `size`. */
export function patternChecksum(seed: number, size: number): number {
  let hash = FNV_OFFSET;
  for (const chunk of pattern(seed, size)) hash = fnv1a(hash, chunk);
  return hash;
}

/** Writes {@link pattern}`(seed, size)` to `transport`, awaiting each write. */
export async function sendPattern(transport: Transport, seed: number, size: number): Promise<void> {
  const writer = transport.writable.getWriter();
  for (const chunk of pattern(seed, size)) await writer.write(chunk);
  writer.releaseLock();
}

/** Reads exactly `size` bytes (or until the stream ends), returning what came and its checksum. */
export async function receive(transport: Transport, size: number): Promise<{ count: number; checksum: number }> {
  const reader = transport.readable.getReader();
  let count = 0;
  let checksum = FNV_OFFSET;
  while (count < size) {
    const { value, done } = await reader.read();
    if (done) break;
    count += value.byteLength;
    checksum = fnv1a(checksum, value);
  }
  reader.releaseLock();
  return { count, checksum };
}

/** Reads until `length` characters came (or the stream ended) and returns them. */
export async function receiveText(transport: Transport, length: number): Promise<string> {
  const reader = transport.readable.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (text.length < length) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return text;
}

/** Writes `message` and reads back as many characters (for an echoing peer). */
export async function roundTrip(client: Transport, message: string): Promise<string> {
  const writer = client.writable.getWriter();
  await writer.write(new TextEncoder().encode(message));
  writer.releaseLock();
  return receiveText(client, message.length);
}
