/**
 * What every AMI client offers, whatever carries the protocol: the socket client
 * ({@link AmiClient}) and AMI over HTTP ({@link AmiHttpClient}). The bridge, the CLI and every
 * plugin use only this, so they work the same on either.
 */
import type { Banner } from "../banner.ts";
import type { ActionInput } from "../encoder.ts";
import type { AmiMessage } from "../message.ts";
import type { BoundedQueue } from "./bounded-queue.ts";
import type { EventStreamOptions } from "./event-fanout.ts";
import type { ActionResult } from "./pending.ts";
import type { ClientEvents, ClientState, ClientStats, SendOptions } from "./types.ts";

/** One logged-in AMI session, kept alive and re-established when it is lost. */
export interface AmiSession {
  readonly stats: ClientStats;
  readonly state: ClientState;
  /** What the server said it is: the AMI banner, or over HTTP its `Server` header. */
  readonly banner: Banner | undefined;
  /** Bytes held for messages still arriving: bounded by the decoder limits. */
  readonly bufferedBytes: number;
  /** Actions sent (or waiting to be) and not yet answered. */
  readonly pendingActions: number;
  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof ClientEvents>(type: K, listener: (value: ClientEvents[K]) => void): () => void;
  /** A bounded stream of events for a consumer that may be slow. */
  events(options?: EventStreamOptions): BoundedQueue<AmiMessage>;
  /** Resolves with the first event matching `predicate`. */
  waitForEvent(predicate: (event: AmiMessage) => boolean, options?: SendOptions): Promise<AmiMessage>;
  /** A new unique ActionID in this client's namespace. */
  createActionId(): string;
  /** Starts the session; resolves once logged in. */
  connect(): Promise<void>;
  /** Sends an action; resolves with its response, list items and Command output. */
  send(action: ActionInput, options?: SendOptions): Promise<ActionResult>;
  /** Logs off (when logged in) and stops for good. */
  close(options?: { logoff?: boolean; timeoutMs?: number }): Promise<void>;
}
