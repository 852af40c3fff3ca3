/** Options of {@link AmiHttpClient}: the ones every client takes, and those of AMI over HTTP. */
import type { AmiSessionOptions } from "../types.ts";
import type { FetchFunction } from "./exchange.ts";

/** Options for {@link AmiHttpClient}. */
export interface AmiHttpClientOptions extends AmiSessionOptions {
  /**
   * The AMI-over-HTTP endpoint, without credentials: `http://pbx:8088/rawman` (Login action and
   * the `mansession_id` cookie) or `…/arawman` (HTTP Digest); `https://` for TLS.
   */
  url: string;
  /** How to log in: `cookie` (the Login action) or `digest`. Default: `digest` for a path ending in `/arawman`. */
  httpAuth?: "cookie" | "digest";
  /** The Web `fetch` to use. Default `globalThis.fetch`. */
  fetch?: FetchFunction;
  /** `Timeout` of each WaitEvent long poll, in seconds. Asterisk answers at most `httptimeout` − 10 s later. Default 20. */
  waitEventSeconds?: number;
  /** How long past its Timeout a WaitEvent may take before it counts as hung and the session as in trouble. Default 10 s. */
  waitEventGraceMs?: number;
  /** Largest answer to an action; past it the action fails with RESPONSE_TOO_LARGE. Default 8 MiB. */
  maxResponseBytes?: number;
  /**
   * Asterisk's `httptimeout`: a digest session lapses this long after its last request, and with it
   * the events it held (a cookie session says so itself, with a new cookie). Default 60 000 ms.
   */
  httpTimeoutMs?: number;
}
