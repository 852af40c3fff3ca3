/** amibridge core: the AMI codec and client, runtime-agnostic. */
export { AmiError, type AmiErrorCode } from "./errors.ts";
export { AmiMessage, type MessageKind } from "./message.ts";
export { AmiDecoderStream, type DecoderStreamOptions } from "./decoder-stream.ts";
export { AmiDecoder, decodeAll, DEFAULT_DECODER_LIMITS, type DecoderLimits, type DecoderOptions, type DecoderSink } from "./decoder.ts";
export { encodeAction, encodeHeaders, actionHeaders, ASTERISK_INPUT_LIMITS, type ActionInput, type ActionObject, type HeaderValue } from "./encoder.ts";
export { parseBanner, type Banner } from "./banner.ts";
export { AmiClient, type AmiClientOptions, type ClientState, type ClientEvents, type ClientStats, type Gap, type StateChange, type SendOptions } from "./client/client.ts";
export { AmiHttpClient, type AmiHttpClientOptions } from "./client/http/client.ts";
export type { AmiSession } from "./client/session.ts";
export type { ActionResult } from "./client/pending.ts";
export { exponentialBackoff, type ReconnectStrategy } from "./client/backoff.ts";
export { BoundedQueue, type OverflowPolicy } from "./client/bounded-queue.ts";
export { httpClientOptionsFromUrl, parseAmiUrl, redactUrl, type AmiUrl } from "./client/url.ts";
export type * from "./ports.ts";
export { SimulatedPbx, type SimulatedPbxOptions } from "./sim/mod.ts";
