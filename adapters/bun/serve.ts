/** `Serve` over `Bun.serve`. */
import type { HttpServer, ServeOptions } from "../../core/ports.ts";

/** Starts an HTTP server; `port` reports the real port when `options.port` is 0. */
export function bunServe(options: ServeOptions): Promise<HttpServer> {
  const server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    fetch: (request) => options.fetch(request),
  });
  let closing: Promise<void> | undefined;
  // stop(false) lets in-flight requests finish and resolves when they have.
  const close = () => (closing ??= server.stop(false));
  options.signal?.addEventListener("abort", () => void close(), { once: true });
  return Promise.resolve({ hostname: options.hostname, port: server.port ?? options.port, close });
}
