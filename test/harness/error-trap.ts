/**
 * Catches unhandled rejections and uncaught exceptions so one stray error cannot kill the run:
 * while a test runs they fail that test, otherwise they wait to be reported as failures.
 */
import process from "node:process";

/** Where errors that escaped every `await` and `try` go. */
export class ErrorTrap {
  #sink: ((error: unknown) => void) | undefined;
  #stray: unknown[] = [];

  /** Listens on the process; call once. */
  install(): void {
    process.on("unhandledRejection", (reason) => this.#deliver(reason));
    process.on("uncaughtException", (error) => this.#deliver(error));
  }

  /** Sends errors to `sink` until it is replaced or cleared with `undefined`. */
  route(sink: ((error: unknown) => void) | undefined): void {
    this.#sink = sink;
  }

  /** Returns and forgets the errors that arrived while nothing was routed. */
  takeStray(): unknown[] {
    return this.#stray.splice(0);
  }

  #deliver(error: unknown): void {
    if (this.#sink) this.#sink(error);
    else this.#stray.push(error);
  }
}
