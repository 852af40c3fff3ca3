/** The last attempts of one endpoint, newest last: what `GET /v1/webhooks/{id}/attempts` shows. */

/** One attempt. */
export interface AttemptRecord {
  at: number;
  webhookId: string;
  fromSeq: number;
  toSeq: number;
  events: number;
  /** 1 for a delivery's first attempt. */
  attempt: number;
  outcome: string;
  status?: number;
  latencyMs: number;
  error?: string;
  replay?: boolean;
}

/** A ring of the last `capacity` attempts. */
export class DeliveryLog {
  readonly #items: AttemptRecord[] = [];
  constructor(readonly capacity: number) {}

  add(record: AttemptRecord): void {
    this.#items.push(record);
    if (this.#items.length > this.capacity) this.#items.splice(0, this.#items.length - this.capacity);
  }

  /** Up to `limit` attempts, newest first. */
  recent(limit = this.capacity): AttemptRecord[] {
    return this.#items.slice(-limit).reverse();
  }

  get last(): AttemptRecord | undefined {
    return this.#items.at(-1);
  }
}
