/**
 * Push-based AMI frame decoder: bytes in, {@link AmiMessage}s out.
 *
 * A frame is a run of lines ended by an empty line (`\r\n` or a bare `\n`). Frames that lie
 * inside one chunk are handed out as views of that chunk; a frame split across chunks is copied
 * exactly once, when its last byte arrives. Every limit is checked while bytes arrive, so a
 * hostile peer can never make the decoder buffer more than `maxMessageBytes` (plus the CR of a
 * pending blank line): past a limit the rest of that message is skipped without buffering, an
 * error is reported, and decoding resumes with the next message.
 */
import { AmiError, preview } from "./errors.ts";
import { AmiMessage, END_COMMAND, decodeShort, startsWithWord } from "./message.ts";

/** Caps that bound the decoder's memory. */
export interface DecoderLimits {
  /** Longest line, in bytes without its line end. Default 1 MiB. */
  maxLineBytes: number;
  /** Most lines in one message. Default 100 000 (long Command output is one line each). */
  maxHeaders: number;
  /** Largest message, in bytes. Default 16 MiB. */
  maxMessageBytes: number;
}

/** Default {@link DecoderLimits}: generous for real Asterisk output, bounded for a hostile peer. */
export const DEFAULT_DECODER_LIMITS: Readonly<DecoderLimits> = Object.freeze({
  maxLineBytes: 1024 * 1024,
  maxHeaders: 100_000,
  maxMessageBytes: 16 * 1024 * 1024,
});

/** Where decoded output goes. Called synchronously from {@link AmiDecoder.push}. */
export interface DecoderSink {
  /** A complete message. */
  message(message: AmiMessage): void;
  /** The first line of the stream, when the decoder expects a banner. */
  banner?(line: string): void;
  /** A message (or banner) that broke a limit; what came after it still decodes. */
  error(error: AmiError): void;
}

/** Options for {@link AmiDecoder}. */
export interface DecoderOptions extends Partial<DecoderLimits> {
  /** Expect the `Asterisk Call Manager/x.y.z` banner line first (true for a client). */
  banner?: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const BANNER_MAX_BYTES = 1024;
const END_MARKER = new TextEncoder().encode(END_COMMAND);

const enum State {
  Banner,
  Message,
  /** Skipping the rest of a message that broke a limit, until its blank line. */
  Discard,
}

/** The streaming decoder. Feed it with {@link push}; tell it about end of input with {@link end}. */
export class AmiDecoder {
  readonly limits: Readonly<DecoderLimits>;
  readonly #sink: DecoderSink;
  #state: State;
  /** Whether a stream starts with a banner (restored by {@link end}, changed by {@link reset}). */
  #expectBanner: boolean;
  /** Pieces of a frame that began in an earlier chunk. */
  #carry: Uint8Array[] = [];
  #carryBytes = 0;
  /** Bytes of the current line that lie in `#carry` (at its end). */
  #carryLineBytes = 0;
  /** The line before the current one ended in a bare LF. */
  #bareLf = false;
  /** Lines (headers) in the current frame so far. */
  #lines = 0;
  /** End of the first line's content, relative to the frame start. */
  #firstLineEnd = 0;
  /** The current frame is a `Response: Follows` reply whose body ends at `--END COMMAND--`. */
  #follows = false;
  /** In Discard, what the current line held at the end of the last chunk: nothing, a lone CR, or content. */
  #discardTail: 0 | 1 | 2 = 0;
  /** In Discard, skip only to the end of the current line (an over-long banner), not to a blank line. */
  #discardLineOnly = false;

  constructor(sink: DecoderSink, options: DecoderOptions = {}) {
    this.#sink = sink;
    this.limits = {
      maxLineBytes: options.maxLineBytes ?? DEFAULT_DECODER_LIMITS.maxLineBytes,
      maxHeaders: options.maxHeaders ?? DEFAULT_DECODER_LIMITS.maxHeaders,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_DECODER_LIMITS.maxMessageBytes,
    };
    this.#expectBanner = options.banner ?? false;
    this.#state = this.#expectBanner ? State.Banner : State.Message;
  }

  /** Bytes held for a frame that is not complete yet. */
  get bufferedBytes(): number {
    return this.#carryBytes;
  }

  /** Decodes one chunk. The chunk must not be modified afterwards: messages may be views of it. */
  push(chunk: Uint8Array): void {
    const length = chunk.length;
    let frameStart = 0;
    let lineStart = 0;
    let pos = 0;
    while (pos < length) {
      const lf = chunk.indexOf(LF, pos);
      if (this.#state === State.Discard) {
        if (lf < 0) {
          this.#discardTail = discardTail(this.#discardTail, chunk, lineStart, length);
          return;
        }
        const tail = this.#discardTail;
        const empty = (tail === 0 && (lf === lineStart || (lf === lineStart + 1 && chunk[lineStart] === CR))) || (tail === 1 && lf === lineStart);
        this.#discardTail = 0;
        pos = lineStart = frameStart = lf + 1;
        if (empty || this.#discardLineOnly) {
          this.#state = State.Message;
          this.#discardLineOnly = false;
        }
        continue;
      }
      if (lf < 0) {
        this.#hold(chunk, frameStart, lineStart, length);
        return;
      }
      const carried = this.#carryLineBytes;
      const hasCr = lf > lineStart ? chunk[lf - 1] === CR : carried > 0 && this.#lastCarriedByte() === CR;
      const contentBytes = carried + (lf - lineStart) - (hasCr ? 1 : 0);
      if (this.#state === State.Banner) {
        this.#banner(chunk, lineStart, lf, contentBytes);
        pos = lineStart = frameStart = lf + 1;
        continue;
      }
      if (contentBytes > this.limits.maxLineBytes) {
        this.#fail("LINE_TOO_LONG", `expected a line of at most ${this.limits.maxLineBytes} bytes, got one of ${contentBytes} bytes`);
        pos = lineStart = frameStart = lf + 1;
        continue;
      }
      if (contentBytes === 0) {
        if (this.#lines === 0) {
          // An empty message (extra blank line, or the blank after `--END COMMAND--`): skip it,
          // and drop its CR if an earlier chunk left it in the carry.
          pos = lineStart = frameStart = lf + 1;
          this.#carry = [];
          this.#carryBytes = 0;
          this.#resetLine();
          continue;
        }
        if ((this.#bareLf && hasCr) || (this.#follows)) {
          // `Message: text\n\r\n`: the CRLF ends a value that itself ended in a bare LF. In a
          // `Response: Follows` body an empty line is output, not the end of the message.
          this.#bareLf = false;
          if (this.#follows) this.#lines++;
          pos = lineStart = lf + 1;
          this.#carryLineBytes = 0;
          continue;
        }
        this.#emit(chunk, frameStart, lineStart);
        pos = lineStart = frameStart = lf + 1;
        continue;
      }
      this.#lines++;
      const contentEnd = hasCr ? lf - 1 : lf;
      if (this.#lines === 1) {
        this.#firstLineEnd = this.#carryBytes + contentEnd - frameStart;
        this.#follows = this.#isFollows(chunk, frameStart, lf, contentEnd);
      } else if (this.#lines > this.limits.maxHeaders) {
        this.#fail("TOO_MANY_HEADERS", `expected at most ${this.limits.maxHeaders} lines in a message, got ${this.#lines} lines so far`);
        pos = lineStart = frameStart = lf + 1;
        continue;
      }
      const frameBytes = this.#carryBytes + (lf + 1 - frameStart);
      if (frameBytes > this.limits.maxMessageBytes) {
        this.#fail("MESSAGE_TOO_LARGE", `expected a message of at most ${this.limits.maxMessageBytes} bytes, got ${frameBytes} bytes so far`);
        pos = lineStart = frameStart = lf + 1;
        continue;
      }
      this.#bareLf = !hasCr;
      this.#carryLineBytes = 0;
      pos = lineStart = lf + 1;
      if (this.#follows && this.#lines > 1 && this.#endsWithMarker(chunk, lf, contentEnd)) {
        this.#emit(chunk, frameStart, lf + 1);
        frameStart = pos;
      }
    }
    this.#hold(chunk, frameStart, lineStart, length);
  }

  /**
   * Tells the decoder that input has ended. A partial message is reported as `TRUNCATED` and
   * dropped; the decoder is then ready for a new stream (banner expected again if configured).
   */
  end(): void {
    if (this.#carryBytes > 0 && this.#state !== State.Discard) {
      const partial = decodeShort(this.#concat(), 0, Math.min(this.#carryBytes, 60));
      this.#sink.error(
        new AmiError("TRUNCATED", `expected the rest of a message, but the stream ended after ${this.#carryBytes} bytes: ${preview(partial)}`),
      );
    }
    this.#clear();
    this.#state = this.#expectBanner ? State.Banner : State.Message;
  }

  /** Starts over, for a new connection that does or does not begin with a banner. */
  reset(banner: boolean): void {
    this.#clear();
    this.#expectBanner = banner;
    this.#state = banner ? State.Banner : State.Message;
  }

  #clear(): void {
    this.#carry = [];
    this.#carryBytes = 0;
    this.#resetFrame();
    this.#discardLineOnly = false;
    if (this.#state === State.Discard) this.#state = State.Message;
  }

  #resetLine(): void {
    this.#carryLineBytes = 0;
    this.#bareLf = false;
  }

  #resetFrame(): void {
    this.#resetLine();
    this.#lines = 0;
    this.#follows = false;
  }

  /** Keeps the unfinished tail of a chunk, checking limits so memory stays bounded. */
  #hold(chunk: Uint8Array, frameStart: number, lineStart: number, end: number): void {
    if (frameStart >= end) return;
    const lineBytes = this.#carryLineBytes + (end - lineStart);
    const frameBytes = this.#carryBytes + (end - frameStart);
    // `+ 1`: the line may end in the CR of its CRLF, which does not count.
    if (this.#state === State.Banner && lineBytes > BANNER_MAX_BYTES + 1) {
      this.#sink.error(new AmiError("BANNER_INVALID", `expected a banner line of at most ${BANNER_MAX_BYTES} bytes like "Asterisk Call Manager/11.0.0", got more than ${lineBytes - 1} bytes without a line end`));
      this.#startDiscard(true);
      this.#discardLineOnly = true;
      return;
    }
    if (lineBytes > this.limits.maxLineBytes + 1) {
      this.#fail("LINE_TOO_LONG", `expected a line of at most ${this.limits.maxLineBytes} bytes, got more than ${lineBytes - 1} bytes without a line end`, true);
      return;
    }
    // `+ 1`: the frame may end in the CR of the blank line that ends it, which does not count.
    if (frameBytes > this.limits.maxMessageBytes + 1) {
      this.#fail("MESSAGE_TOO_LARGE", `expected a message of at most ${this.limits.maxMessageBytes} bytes, got ${frameBytes} bytes so far`, true);
      return;
    }
    this.#carry.push(chunk.subarray(frameStart, end));
    this.#carryBytes = frameBytes;
    this.#carryLineBytes = lineBytes;
  }

  #lastCarriedByte(): number {
    const last = this.#carry[this.#carry.length - 1]!;
    return last[last.length - 1]!;
  }

  /** Reports a broken message and skips the rest of it. */
  #fail(code: "LINE_TOO_LONG" | "TOO_MANY_HEADERS" | "MESSAGE_TOO_LARGE", message: string, inLine = false): void {
    this.#sink.error(new AmiError(code, message));
    this.#startDiscard(inLine);
  }

  #startDiscard(inLine: boolean): void {
    this.#carry = [];
    this.#carryBytes = 0;
    this.#resetFrame();
    this.#discardTail = inLine ? 2 : 0;
    this.#discardLineOnly = false;
    this.#state = State.Discard;
  }

  #banner(chunk: Uint8Array, lineStart: number, lf: number, contentBytes: number): void {
    const bytes = this.#carryBytes > 0 ? this.#concat(chunk.subarray(lineStart, lf)) : chunk.subarray(lineStart, lf);
    this.#carry = [];
    this.#carryBytes = 0;
    this.#resetLine();
    this.#state = State.Message;
    if (contentBytes > BANNER_MAX_BYTES) {
      this.#sink.error(new AmiError("BANNER_INVALID", `expected a banner line of at most ${BANNER_MAX_BYTES} bytes like "Asterisk Call Manager/11.0.0", got a line of ${contentBytes} bytes`));
      return;
    }
    this.#sink.banner?.(decodeShort(bytes, 0, contentBytes));
  }

  #emit(chunk: Uint8Array, frameStart: number, frameEnd: number): void {
    // At a blank line, the carry may end with that line's CR (the chunk ended between CR and LF):
    // it belongs to the terminating blank line, not to the frame.
    const bytes = this.#carryBytes > 0
      ? this.#concat(chunk.subarray(frameStart, frameEnd), this.#carryLineBytes)
      : chunk.subarray(frameStart, frameEnd);
    const message = new AmiMessage(bytes, this.#firstLineEnd, this.#follows);
    this.#carry = [];
    this.#carryBytes = 0;
    this.#resetFrame();
    this.#sink.message(message);
  }

  /**
   * Joins the carried pieces (and a last piece) into one new array: the single copy of a split
   * frame. `drop` leaves out that many bytes at the end of the carry.
   */
  #concat(last?: Uint8Array, drop = 0): Uint8Array {
    const kept = this.#carryBytes - drop;
    const out = new Uint8Array(kept + (last?.length ?? 0));
    let offset = 0;
    for (const piece of this.#carry) {
      if (offset + piece.length > kept) {
        out.set(piece.subarray(0, kept - offset), offset);
        offset = kept;
        break;
      }
      out.set(piece, offset);
      offset += piece.length;
    }
    if (last) out.set(last, offset);
    return out;
  }

  #isFollows(chunk: Uint8Array, frameStart: number, lf: number, contentEnd: number): boolean {
    if (this.#carryBytes === 0) return isFollowsLine(chunk, frameStart, contentEnd);
    return isFollowsLine(this.#concat(chunk.subarray(0, lf)), 0, this.#carryBytes + contentEnd);
  }

  /** Whether the line ending at `contentEnd` ends with `--END COMMAND--` (a window crossing a line end cannot match). */
  #endsWithMarker(chunk: Uint8Array, lf: number, contentEnd: number): boolean {
    const n = END_MARKER.length;
    let bytes = chunk;
    let end = contentEnd;
    if (contentEnd < n) {
      if (this.#carryBytes === 0) return false;
      bytes = this.#concat(chunk.subarray(0, lf));
      end = this.#carryBytes + contentEnd;
      if (end < n) return false;
    }
    for (let i = 0; i < n; i++) if (bytes[end - n + i] !== END_MARKER[i]) return false;
    return true;
  }
}

/** What a discarded line holds after `chunk[lineStart..end)` is added to `tail`. */
function discardTail(tail: 0 | 1 | 2, chunk: Uint8Array, lineStart: number, end: number): 0 | 1 | 2 {
  if (end === lineStart) return tail;
  if (tail === 0 && end - lineStart === 1 && chunk[lineStart] === CR) return 1;
  return 2;
}

function isFollowsLine(bytes: Uint8Array, start: number, end: number): boolean {
  if (!startsWithWord(bytes, start, end, "response:")) return false;
  let i = start + 9;
  while (i < end && (bytes[i] === 0x20 || bytes[i] === 0x09)) i++;
  return end - i === 7 && startsWithWord(bytes, i, end, "follows");
}

/** Result of {@link decodeAll}. */
export interface DecodedStream {
  banner: string | undefined;
  messages: AmiMessage[];
  errors: AmiError[];
}

/** Decodes a complete byte stream in one go (tests, tools, captured traffic). */
export function decodeAll(chunks: Uint8Array | Iterable<Uint8Array>, options: DecoderOptions = {}): DecodedStream {
  const result: DecodedStream = { banner: undefined, messages: [], errors: [] };
  const decoder = new AmiDecoder(
    {
      message: (m) => result.messages.push(m),
      banner: (line) => (result.banner = line),
      error: (e) => result.errors.push(e),
    },
    options,
  );
  for (const chunk of chunks instanceof Uint8Array ? [chunks] : chunks) decoder.push(chunk);
  decoder.end();
  return result;
}
