/**
 * Push-based AMI frame decoder: bytes in, {@link AmiMessage}s out.
 *
 * A frame is a run of lines ended by an empty line (`\r\n` or a bare `\n`). Frames that lie
 * inside one chunk are handed out as views of that chunk; the bytes of a frame split across
 * chunks are gathered in one growing buffer ({@link HeldBytes}) and handed out at their exact size.
 *
 * Every decision is taken at a line end, from what the whole line and the lines before it hold,
 * so the same bytes give the same messages and the same error codes however they are cut. While
 * bytes arrive, the decoder only looks ahead to stop buffering early: once a frame is certain to
 * break a limit its bytes are no longer kept (memory stays within `maxMessageBytes`, whatever the
 * chunking), but which limit it broke is still decided at the line end, as for whole input. Past a
 * limit the rest of that message is skipped, one error is reported, and decoding resumes with the
 * next message.
 */
import { AmiError, preview } from "./errors.ts";
import { HeldBytes } from "./held-bytes.ts";
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
/** Longest banner line. The banner is not a header line, so `maxLineBytes` does not apply to it. */
const BANNER_MAX_BYTES = 1024;
const END_MARKER = new TextEncoder().encode(END_COMMAND);
/** Bytes of a line's end kept while it is incomplete: the end marker and the CR after it. */
const TAIL_BYTES = END_MARKER.length + 1;

type LimitCode = "LINE_TOO_LONG" | "TOO_MANY_HEADERS" | "MESSAGE_TOO_LARGE";

/** The streaming decoder. Feed it with {@link push}; tell it about end of input with {@link end}. */
export class AmiDecoder {
  readonly limits: Readonly<DecoderLimits>;
  readonly #sink: DecoderSink;
  /** Whether a stream starts with a banner (restored by {@link end}, changed by {@link reset}). */
  #expectBanner: boolean;
  /** The next line is the banner. */
  #inBanner: boolean;

  /** Bytes of the current frame (or banner) that arrived in earlier chunks. */
  readonly #held = new HeldBytes();

  /** Bytes of the current frame before the current line, line ends included. */
  #frameBytes = 0;
  /** Lines (headers, and body lines of a Follows reply) in the current frame so far. */
  #lines = 0;
  /** End of the first line's content, relative to the frame start. */
  #firstLineEnd = 0;
  /** The current frame is a `Response: Follows` reply whose body ends at `--END COMMAND--`. */
  #follows = false;
  /** The line before the current one ended in a bare LF. */
  #bareLf = false;
  /** The current frame's bytes are not kept: it broke, or is certain to break, a limit. */
  #dropping = false;
  /** The current frame's error has been reported. */
  #reported = false;

  /** Bytes of the current line that arrived in earlier chunks. */
  #lineBytes = 0;
  /** The last bytes of those (at most {@link TAIL_BYTES}), for the CR and end-marker checks. */
  readonly #tail = new Uint8Array(TAIL_BYTES);
  #tailLength = 0;

  constructor(sink: DecoderSink, options: DecoderOptions = {}) {
    this.#sink = sink;
    this.limits = {
      maxLineBytes: options.maxLineBytes ?? DEFAULT_DECODER_LIMITS.maxLineBytes,
      maxHeaders: options.maxHeaders ?? DEFAULT_DECODER_LIMITS.maxHeaders,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_DECODER_LIMITS.maxMessageBytes,
    };
    this.#expectBanner = options.banner ?? false;
    this.#inBanner = this.#expectBanner;
  }

  /** Bytes held for a frame that is not complete yet. */
  get bufferedBytes(): number {
    return this.#held.length;
  }

  /** Bytes of memory set aside for held frames (at most twice {@link bufferedBytes}, or a small reusable buffer). */
  get reservedBytes(): number {
    return this.#held.reserved;
  }

  /** Bytes copied so far: split frames are copied in, and out once at their exact size. Linear in the input. */
  get copiedBytes(): number {
    return this.#held.copied;
  }

  /** Decodes one chunk. The chunk must not be modified afterwards: messages may be views of it. */
  push(chunk: Uint8Array): void {
    let lineStart = 0;
    for (let lf = chunk.indexOf(LF); lf >= 0; lf = chunk.indexOf(LF, lineStart)) {
      this.#endLine(chunk, lineStart, lf);
      lineStart = lf + 1;
    }
    this.#hold(chunk, lineStart);
  }

  /**
   * Tells the decoder that input has ended. A partial message is reported as `TRUNCATED` and
   * dropped; the decoder is then ready for a new stream (banner expected again if configured).
   */
  end(): void {
    const lineHasContent = this.#lineBytes >= 2 || (this.#lineBytes === 1 && this.#tail[0] !== CR);
    const partial = this.#inBanner ? this.#lineBytes > 0 : this.#lines > 0 || lineHasContent;
    if (partial && !this.#reported) {
      const size = this.#frameBytes + this.#lineBytes;
      const shown = this.#held.length > 0 ? preview(decodeShort(this.#held.view(), 0, Math.min(this.#held.length, 60))) : "(not kept: over the limits)";
      this.#sink.error(new AmiError("TRUNCATED", `expected the rest of a message, but the stream ended after ${size} bytes: ${shown}`));
    }
    this.#startFrame();
    this.#inBanner = this.#expectBanner;
  }

  /** Starts over, for a new connection that does or does not begin with a banner. */
  reset(banner: boolean): void {
    this.#startFrame();
    this.#expectBanner = banner;
    this.#inBanner = banner;
  }

  /** Handles the line `[carried part] + chunk[lineStart..lf)`, which has just ended. */
  #endLine(chunk: Uint8Array, lineStart: number, lf: number): void {
    const carried = this.#lineBytes;
    const tailLength = this.#tailLength;
    const raw = carried + (lf - lineStart);
    const last = lf > lineStart ? chunk[lf - 1] : tailLength > 0 ? this.#tail[tailLength - 1] : -1;
    const hasCr = last === CR;
    const content = raw - (hasCr ? 1 : 0);
    const lineTotal = raw + 1;
    this.#lineBytes = 0;
    this.#tailLength = 0;

    if (this.#inBanner) {
      this.#inBanner = false;
      if (!this.#reported) {
        if (content > BANNER_MAX_BYTES) {
          this.#sink.error(new AmiError("BANNER_INVALID", `expected a banner line of at most ${BANNER_MAX_BYTES} bytes like "Asterisk Call Manager/11.0.0", got a line of ${content} bytes`));
        } else {
          this.#sink.banner?.(this.#text(chunk, lineStart, content));
        }
      }
      this.#startFrame();
      return;
    }

    if (content === 0) {
      if (this.#lines === 0) {
        // An empty message (an extra blank line, or the one after `--END COMMAND--`): skip it.
        this.#startFrame();
        return;
      }
      if (this.#follows) {
        // In a `Response: Follows` body an empty line is output, not the end of the message.
        this.#lines++;
        this.#check(0, lineTotal);
        this.#frameBytes += lineTotal;
        this.#bareLf = !hasCr;
        return;
      }
      if (this.#bareLf && hasCr) {
        // `Message: text\n\r\n`: the CRLF ends a value that itself ended in a bare LF.
        this.#bareLf = false;
        this.#checkSize(lineTotal);
        this.#frameBytes += lineTotal;
        return;
      }
      this.#finishFrame(chunk, lineStart);
      return;
    }

    this.#lines++;
    this.#check(content, lineTotal);
    if (this.#lines === 1 && !this.#dropping) {
      this.#firstLineEnd = content;
      this.#follows = this.#isFollows(chunk, lineStart, content);
    }
    this.#bareLf = !hasCr;
    this.#frameBytes += lineTotal;
    if (this.#follows && this.#lines > 1 && this.#endsWithMarker(chunk, lineStart, content, carried, tailLength)) {
      this.#finishFrame(chunk, lf + 1);
    }
  }

  /** Checks a line of the frame against every limit, in a fixed order, and reports the first one broken. */
  #check(content: number, lineTotal: number): void {
    if (this.#reported) return;
    const { maxLineBytes, maxHeaders } = this.limits;
    if (content > maxLineBytes) {
      this.#report("LINE_TOO_LONG", `expected a line of at most ${maxLineBytes} bytes, got one of ${content} bytes`);
    } else if (this.#lines > maxHeaders) {
      this.#report("TOO_MANY_HEADERS", `expected at most ${maxHeaders} lines in a message, got ${this.#lines} lines so far`);
    } else {
      this.#checkSize(lineTotal);
    }
  }

  #checkSize(lineTotal: number): void {
    if (this.#reported) return;
    const size = this.#frameBytes + lineTotal;
    if (size > this.limits.maxMessageBytes) {
      this.#report("MESSAGE_TOO_LARGE", `expected a message of at most ${this.limits.maxMessageBytes} bytes, got ${size} bytes so far`);
    }
  }

  #report(code: LimitCode, message: string): void {
    this.#sink.error(new AmiError(code, message));
    this.#reported = true;
    this.#drop();
  }

  /** The frame ends at chunk offset `end` (before a blank line, or after the end-marker line). */
  #finishFrame(chunk: Uint8Array, end: number): void {
    if (this.#dropping) {
      this.#startFrame();
      return;
    }
    const length = this.#frameBytes;
    let bytes: Uint8Array;
    if (this.#held.length === 0) {
      bytes = chunk.subarray(end - length, end);
    } else {
      // The frame began in an earlier chunk. At a blank line the held bytes may end with that
      // line's CR (the chunk ended between CR and LF): it is not part of the frame.
      const rest = length - this.#held.length;
      if (rest > 0) this.#held.append(chunk, end - rest, end);
      bytes = this.#held.take(length);
    }
    const message = new AmiMessage(bytes, this.#firstLineEnd, this.#follows);
    this.#startFrame();
    this.#sink.message(message);
  }

  /** Forgets the current frame. */
  #startFrame(): void {
    this.#held.clear();
    this.#frameBytes = 0;
    this.#lines = 0;
    this.#firstLineEnd = 0;
    this.#follows = false;
    this.#bareLf = false;
    this.#dropping = false;
    this.#reported = false;
    this.#lineBytes = 0;
    this.#tailLength = 0;
  }

  /** Stops keeping the current frame's bytes. */
  #drop(): void {
    this.#dropping = true;
    this.#held.clear();
  }

  /**
   * Keeps what is left of a chunk after its last line end: the current frame's bytes in this
   * chunk, unless the frame is certain to break a limit, in which case nothing more is kept.
   */
  #hold(chunk: Uint8Array, lineStart: number): void {
    const end = chunk.length;
    if (lineStart < end) {
      this.#keepTail(chunk, lineStart, end);
      this.#lineBytes += end - lineStart;
      if (!this.#reported) this.#lookAhead();
    }
    if (this.#dropping) return;
    // The frame's bytes in this chunk: from its start, or from 0 if it began in an earlier chunk.
    const from = this.#held.length > 0 ? 0 : lineStart - this.#frameBytes;
    if (from < end) this.#held.append(chunk, from, end);
  }

  /** Decides, from an incomplete line, whether the frame is already certain to break a limit. */
  #lookAhead(): void {
    const lineBytes = this.#lineBytes;
    const lastIsCr = this.#tail[this.#tailLength - 1] === CR;
    // The line's content will be at least this long: a trailing CR may turn out to be its CRLF.
    const minContent = lineBytes - (lastIsCr ? 1 : 0);
    if (this.#inBanner) {
      if (minContent > BANNER_MAX_BYTES) {
        this.#sink.error(new AmiError("BANNER_INVALID", `expected a banner line of at most ${BANNER_MAX_BYTES} bytes like "Asterisk Call Manager/11.0.0", got ${minContent} bytes so far without a line end`));
        this.#reported = true;
        this.#drop();
      }
      return;
    }
    const { maxLineBytes, maxHeaders, maxMessageBytes } = this.limits;
    if (minContent > maxLineBytes) {
      // Certain, and the first limit checked at a line end: report it now.
      this.#report("LINE_TOO_LONG", `expected a line of at most ${maxLineBytes} bytes, got ${minContent} bytes so far without a line end`);
      return;
    }
    if (this.#dropping) return;
    // A lone CR may still be a blank line: the end of the frame, or part of it after a bare LF or in a Follows body.
    const content = minContent > 0;
    const partOfFrame = content || (this.#lines > 0 && (this.#follows || this.#bareLf));
    const counted = content || (this.#lines > 0 && this.#follows);
    const tooLarge = partOfFrame && this.#frameBytes + lineBytes + 1 > maxMessageBytes;
    const tooMany = counted && this.#lines + 1 > maxHeaders;
    // Which limit it broke is decided at the line end, as for whole input; until then keep nothing.
    if (tooLarge || tooMany) this.#drop();
  }

  /** Remembers the last {@link TAIL_BYTES} bytes of the current line. */
  #keepTail(chunk: Uint8Array, start: number, end: number): void {
    const tail = this.#tail;
    const incoming = end - start;
    if (incoming >= TAIL_BYTES) {
      tail.set(chunk.subarray(end - TAIL_BYTES, end));
      this.#tailLength = TAIL_BYTES;
      return;
    }
    const keep = Math.min(this.#tailLength, TAIL_BYTES - incoming);
    if (keep < this.#tailLength) tail.copyWithin(0, this.#tailLength - keep, this.#tailLength);
    tail.set(chunk.subarray(start, end), keep);
    this.#tailLength = keep + incoming;
  }

  /** The first `content` bytes of the line that starts with the held bytes (if any) and goes on at `chunk[lineStart]`. */
  #lineContent(chunk: Uint8Array, lineStart: number, content: number): { bytes: Uint8Array; start: number } {
    if (this.#held.length === 0) return { bytes: chunk, start: lineStart };
    return { bytes: this.#held.joinedWith(chunk, lineStart, content), start: 0 };
  }

  #text(chunk: Uint8Array, lineStart: number, content: number): string {
    const { bytes, start } = this.#lineContent(chunk, lineStart, content);
    return decodeShort(bytes, start, start + content);
  }

  /** Whether the frame's first line (just ended) is `Response: Follows`. */
  #isFollows(chunk: Uint8Array, lineStart: number, content: number): boolean {
    const { bytes, start } = this.#lineContent(chunk, lineStart, content);
    return isFollowsLine(bytes, start, start + content);
  }

  /**
   * Whether the line's content ends with `--END COMMAND--`. The line is the `carried` bytes of
   * earlier chunks (their last `tailLength` in the tail) followed by `chunk[lineStart..]`.
   */
  #endsWithMarker(chunk: Uint8Array, lineStart: number, content: number, carried: number, tailLength: number): boolean {
    const n = END_MARKER.length;
    if (content < n) return false;
    for (let i = 0; i < n; i++) {
      const p = content - n + i;
      const t = p - (carried - tailLength);
      const byte = p >= carried ? chunk[lineStart + p - carried] : t >= 0 ? this.#tail[t] : -1;
      if (byte !== END_MARKER[i]) return false;
    }
    return true;
  }
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
