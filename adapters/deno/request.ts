/**
 * The Request core sees on Deno. Deno's own request's signal aborts when a response succeeds
 * (deprecated behaviour), not when the client goes; and a body whose client went away fails with a
 * `BadResource` error. Here the signal aborts when the client went away before the response was
 * delivered, and that body failure reads as core's CLIENT_GONE.
 */
import { BridgeError } from "../../core/bridge/errors.ts";
import { problemResponse } from "../../core/bridge/problem.ts";

/** Relays `body`, turning Deno's "connection gone" read failures into CLIENT_GONE. */
function relayBody(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        read = await reader.read();
      } catch (error) {
        const gone = error instanceof Deno.errors.BadResource || error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.UnexpectedEof;
        controller.error(gone ? new BridgeError("CLIENT_GONE", "expected the rest of the request body, got a connection that ended first", { cause: error }) : error);
        return;
      }
      if (read.done) controller.close();
      else controller.enqueue(read.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** `received` for core: see the module comment. An upgrade request is left as it is: Deno must get its own back. */
export function denoRequest(received: Request, completed: Promise<void>): Request {
  if (received.headers.get("upgrade")?.toLowerCase() === "websocket") return received;
  const gone = new AbortController();
  // Rejects (Interrupted) when the response could not be delivered: the client went away.
  completed.catch(() => gone.abort(new BridgeError("CLIENT_GONE", "the client went away before the response was delivered")));
  // Built from its parts: `new Request(received)` would read Deno's signal, which makes Deno print
  // its legacy-abort warning.
  const init: RequestInit & { duplex?: "half" } = { method: received.method, headers: received.headers, signal: gone.signal };
  if (received.body !== null && received.method !== "GET" && received.method !== "HEAD") {
    init.body = relayBody(received.body);
    init.duplex = "half";
  }
  return new Request(received.url, init);
}

/**
 * The 400 for a request Deno accepted but whose URL it cannot build (a Host such as `x:99999`):
 * reading `request.url` throws, which would otherwise surface as a 500. Undefined when it is fine.
 */
export function unreadableUrl(received: Request): Response | undefined {
  try {
    // Deno may hand out a URL string that does not parse (`http://[::1/`): routing would throw on it.
    void new URL(received.url);
    return undefined;
  } catch {
    const host = received.headers.get("host");
    return problemResponse(400, `expected a Host header and request target that make a valid URL, got Host ${host === null ? "none" : JSON.stringify(host.slice(0, 80))}`, { headers: { connection: "close" } });
  }
}
