/** `Serve` over `Deno.serve`. */
import type { HttpServer, ServeOptions } from "../../core/ports.ts";

/** Starts an HTTP server; `port` reports the real port when `options.port` is 0. */
export function denoServe(options: ServeOptions): Promise<HttpServer> {
  const server = Deno.serve(
    {
      hostname: options.hostname,
      port: options.port,
      signal: options.signal,
      // Given, so Deno does not print its own "Listening on" line.
      onListen: () => {},
    },
    (request) => options.fetch(request),
  );
  let closing: Promise<void> | undefined;
  // shutdown() lets in-flight requests finish; `finished` also covers a shutdown by `signal`.
  const close = () => (closing ??= server.shutdown().then(() => server.finished));
  return Promise.resolve({ hostname: options.hostname, port: server.addr.port, close });
}
