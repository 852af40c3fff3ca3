import { AmiDecoder, type DecoderOptions } from "./decoder.ts";
import type { AmiError } from "./errors.ts";
import type { AmiMessage } from "./message.ts";

/** Options for {@link AmiDecoderStream}. */
export interface DecoderStreamOptions extends DecoderOptions {
  /** Called with the banner line when `banner` is set. */
  onBanner?: (line: string) => void;
  /**
   * Called for a message that broke a limit (decoding then goes on with the next message).
   * Without it, such an error ends the stream with that error.
   */
  onError?: (error: AmiError) => void;
}

/**
 * The decoder as a `TransformStream`, for `transport.readable.pipeThrough(new AmiDecoderStream({ banner: true }))`.
 *
 * @example
 * const messages = new Response("Event: Ping\r\n\r\n").body!.pipeThrough(new AmiDecoderStream());
 * for await (const message of messages) console.log(message.name); // "Ping"
 */
export class AmiDecoderStream extends TransformStream<Uint8Array, AmiMessage> {
  constructor(options: DecoderStreamOptions = {}) {
    let decoder!: AmiDecoder;
    super({
      start(controller) {
        decoder = new AmiDecoder(
          {
            message: (message) => controller.enqueue(message),
            banner: options.onBanner,
            error: (error) => (options.onError ? options.onError(error) : controller.error(error)),
          },
          options,
        );
      },
      transform(chunk) {
        decoder.push(chunk);
      },
      flush() {
        decoder.end();
      },
    });
  }
}
