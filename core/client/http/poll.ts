/**
 * One WaitEvent long poll: the events Asterisk queued for the session since the last one,
 * between the poll's own response and its `WaitEventComplete` (both carry the poll's ActionID).
 * Events are handed on as the body streams, so memory stays within the decoder's limits however
 * many came. A poll that outlives its Timeout by the grace period counts as hung.
 */
import { asciiLower } from "../../ascii.ts";
import type { AmiDecoder, DecoderLimits } from "../../decoder.ts";
import { AmiError } from "../../errors.ts";
import type { AmiMessage } from "../../message.ts";
import type { Trouble } from "./serve.ts";
import type { HttpCredentials } from "./credentials.ts";
import { openAnswer, readAnswer, type FetchFunction } from "./exchange.ts";

/** A poll that went through: how many events it brought, and when it was sent. */
export interface PollResult {
  events: number;
  sentAt: number;
}

/** What {@link pollEvents} resolves with: a result, or the trouble it ran into. */
export type PollOutcome = PollResult | Trouble;

/** What one poll needs from the client. */
export interface PollContext {
  fetch: FetchFunction;
  url: string;
  /** The path, for the digest `uri`. */
  uri: string;
  credentials: HttpCredentials;
  /** Aborted when the session stops serving. */
  signal: AbortSignal;
  actionId: string;
  seconds: number;
  graceMs: number;
  decoders: Set<AmiDecoder>;
  decoderLimits?: Partial<DecoderLimits>;
  /** Why the digest session lapsed, if it did. */
  lapsed(): AmiError | undefined;
  /** The request left: from now on, the server may take events from its queue for it. */
  onSent(): void;
  onChunk(at: number): void;
  onEvent(event: AmiMessage): void;
  onUnexpected(message: AmiMessage): void;
  onError(error: AmiError): void;
  onServer(headers: Headers): void;
  expired(): AmiError;
  refused(): AmiError;
}

/** Runs one WaitEvent; never throws. */
export async function pollEvents(c: PollContext): Promise<PollOutcome> {
  const lapsed = c.lapsed();
  if (lapsed) return { kind: "lost", cause: lapsed };
  const deadlineMs = c.seconds * 1000 + c.graceMs;
  const hung = new AbortController();
  const timer = setTimeout(
    () => hung.abort(new AmiError("ACTION_TIMEOUT", `expected WaitEvent (Timeout ${c.seconds} s) to answer within ${deadlineMs} ms, got nothing from ${c.url}`)),
    deadlineMs,
  );
  const signal = AbortSignal.any([c.signal, hung.signal]);
  const pairs: Array<[string, string]> = [["Action", "WaitEvent"], ["ActionID", c.actionId], ["Timeout", String(c.seconds)]];
  try {
    for (let attempt = 0; ; attempt++) {
      const armed = c.credentials.armed;
      const sentAt = Date.now();
      c.onSent();
      const answer = await openAnswer({ fetch: c.fetch, url: c.url, pairs, headers: c.credentials.headers("POST", c.uri), signal });
      if (answer.status === 401) {
        if (c.credentials.mode === "digest" && attempt < 3 && c.credentials.onUnauthorized(answer.headers, armed) === "retry") continue;
        return { kind: "lost", cause: c.refused() };
      }
      c.onServer(answer.headers);
      if (c.credentials.noteCookie(answer.headers) === "changed") {
        void answer.response.body?.cancel().catch(() => {});
        return { kind: "lost", cause: c.expired() };
      }
      let refusal: string | undefined;
      let events = 0;
      await readAnswer(answer, {
        url: c.url,
        maxBytes: Number.POSITIVE_INFINITY,
        decoders: c.decoders,
        onChunk: c.onChunk,
        onError: c.onError,
        ...(c.decoderLimits ? { decoderLimits: c.decoderLimits } : {}),
        onMessage: (message) => {
          const ours = message.get("ActionID") === c.actionId;
          if (message.kind === "response" && ours) {
            if (asciiLower(message.name) !== "success") refusal = message.get("Message") ?? `Response: ${message.name}`;
          } else if (message.kind === "event" && ours && asciiLower(message.name) === "waiteventcomplete") {
            // The end of this poll's events.
          } else if (message.kind === "event") {
            events++;
            c.onEvent(message);
          } else {
            c.onUnexpected(message);
          }
        },
      });
      if (refusal === undefined) return { events, sentAt };
      if (asciiLower(refusal) === "permission denied") return { kind: "lost", cause: c.expired() };
      return { kind: "failed", cause: new AmiError("CONNECTION_LOST", `expected WaitEvent to succeed on ${c.url}, got ${JSON.stringify(refusal)}`) };
    }
  } catch (error) {
    if (c.signal.aborted) return { kind: "failed", cause: new AmiError("CLOSED", "the session ended", { cause: error }) };
    const cause = hung.signal.aborted ? (hung.signal.reason as AmiError) : error instanceof AmiError ? error : new AmiError("CONNECTION_LOST", `WaitEvent on ${c.url} failed: ${(error as Error)?.message ?? error}`, { cause: error });
    return { kind: "failed", cause };
  } finally {
    clearTimeout(timer);
  }
}
