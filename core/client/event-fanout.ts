import type { AmiMessage } from "../message.ts";
import { BoundedQueue, type BoundedQueueOptions } from "./bounded-queue.ts";

/** Options for one subscriber's queue. */
export interface EventStreamOptions extends BoundedQueueOptions {
  filter?: (event: AmiMessage) => boolean;
}

/**
 * Hands each event to every subscriber's bounded queue without ever waiting: a subscriber that
 * falls behind loses events by its queue's policy (and counts them), never slows the others.
 */
export class EventFanout {
  readonly #subscribers = new Set<{ queue: BoundedQueue<AmiMessage>; filter: ((event: AmiMessage) => boolean) | undefined }>();
  readonly #onFilterError: (error: unknown) => void;
  #closed = false;

  constructor(onFilterError: (error: unknown) => void) {
    this.#onFilterError = onFilterError;
  }

  /** A new subscriber; ending its iteration (or `return()`) unsubscribes it. */
  subscribe(options: EventStreamOptions): BoundedQueue<AmiMessage> {
    const entry = { queue: new BoundedQueue<AmiMessage>(options, () => this.#subscribers.delete(entry)), filter: options.filter };
    this.#subscribers.add(entry);
    if (this.#closed) entry.queue.close();
    return entry.queue;
  }

  /** Offers `event` to every subscriber whose filter takes it; a filter that throws is reported and skipped. */
  deliver(event: AmiMessage): void {
    for (const { queue, filter } of this.#subscribers) {
      try {
        if (filter === undefined || filter(event)) queue.push(event);
      } catch (error) {
        this.#onFilterError(error);
      }
    }
  }

  /** Ends every subscriber's iteration once it has drained; later subscribers start closed. */
  close(): void {
    this.#closed = true;
    for (const { queue } of this.#subscribers) queue.close();
  }
}
