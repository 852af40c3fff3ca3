/**
 * Response bodies that are still being produced (event streams), told apart from complete ones,
 * so a server can keep them from timing out and cut them at shutdown. Web-standard code only.
 */

/** The error a cut body fails with, so a server's error hook can tell it from a real failure. */
export const CUT = new Error("server shutting down: response body cut");

/** What a server does with a live body. */
export interface LiveBodyHooks {
  /** The body is live; `cut` ends it with {@link CUT}. Returns what to call once it has ended, however. */
  live(cut: () => void): () => void;
}

/**
 * `response`, its body relayed through a stream that reports to `hooks` when still being produced.
 * A body that is one chunk already there (any string, bytes or JSON response) is passed on as
 * bytes instead: that keeps its Content-Length and the runtime's fast path.
 */
export async function watchBody(response: Response, hooks: LiveBodyHooks): Promise<Response> {
  if (response.body === null) return response;
  const init = { status: response.status, statusText: response.statusText, headers: response.headers };
  const reader = response.body.getReader();
  // Runtimes' lib types spell a read's result differently: take theirs.
  type Read = Awaited<ReturnType<typeof reader.read>>;
  // A complete body's reads settle in microtasks, before this tick; a live stream's do not.
  const tick = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 0));
  let pending: Promise<Read> | undefined = reader.read();
  const first = await Promise.race([pending, tick]);
  if (first?.done) return new Response(null, init);
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  if (first) {
    chunks.push(first.value);
    pending = reader.read();
    if ((await Promise.race([pending, tick]))?.done) return new Response(first.value, init);
  }
  let ended: (() => void) | undefined;
  const end = () => {
    ended?.();
    ended = undefined;
  };
  let controller!: ReadableStreamDefaultController<Uint8Array<ArrayBuffer>>;
  const cut = () => {
    if (!ended) return;
    end();
    controller.error(CUT);
    void reader.cancel(CUT).catch(() => {});
  };
  const body = new ReadableStream<Uint8Array<ArrayBuffer>>({
    start(c) {
      controller = c;
      for (const chunk of chunks) c.enqueue(chunk);
      ended = hooks.live(cut);
    },
    async pull(c) {
      const next = pending ?? reader.read();
      pending = undefined;
      let result: Read;
      try {
        result = await next;
      } catch (error) {
        end();
        throw error;
      }
      if (!ended) return; // cut meanwhile
      if (!result.done) return c.enqueue(result.value);
      end();
      c.close();
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
  return new Response(body, init);
}
