/** `Serve` through `@hono/node-server`, which adapts Node's `http` server to a Web `fetch` handler. */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { HttpServer, ServeOptions } from "../../core/ports.ts";

/** Starts an HTTP server; resolves once it listens, with the real port when `port` is 0. */
export function nodeServe(options: ServeOptions): Promise<HttpServer> {
  return new Promise<HttpServer>((resolve, reject) => {
    const server = serve(
      { fetch: (request) => options.fetch(request), hostname: options.hostname, port: options.port },
      (info: AddressInfo) => {
        server.off("error", reject);
        let closing: Promise<void> | undefined;
        const close = () =>
          (closing ??= new Promise<void>((done) => {
            // Node >= 19 also drops idle keep-alive connections here; in-flight requests finish.
            server.close(() => done());
          }));
        options.signal?.addEventListener("abort", () => void close(), { once: true });
        resolve({ hostname: options.hostname, port: info.port, close });
      },
    );
    server.once("error", reject);
  });
}
