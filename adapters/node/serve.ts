/** `Serve` on Node's `http` server: `@hono/node-server` adapts requests, `ws` takes the upgrades. */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener, type HttpBindings, RequestError } from "@hono/node-server";
import { problemResponse } from "../../core/bridge/problem.ts";
import type { HttpServer, ServeOptions } from "../../core/ports.ts";
import { answerParserErrors, answerProblem, missingHost } from "./parser-errors.ts";
import { plainAddress } from "../shared/websocket-events.ts";
import { serveWebSockets } from "./websocket.ts";

/** Starts an HTTP server; resolves once it listens, with the real port when `port` is 0. */
export function nodeServe(options: ServeOptions): Promise<HttpServer> {
  const listener = getRequestListener(
    (request, env) =>
      options.fetch(request, { remoteAddress: plainAddress((env as HttpBindings).incoming.socket.remoteAddress) }),
    { hostname: options.hostname, errorHandler: requestFailed },
  );
  // Node's own Host check answers a bare 400; ours answers the same refusal as a problem.
  const server = createServer({ requireHostHeader: false }, (incoming, outgoing) => {
    if (incoming.httpVersion === "1.1" && incoming.headers.host === undefined) return void answerProblem(outgoing, missingHost(incoming));
    void listener(incoming, outgoing);
  });
  answerParserErrors(server);
  const webSockets = serveWebSockets(server, options.fetch);
  let closing: Promise<void> | undefined;
  // Node keeps a keep-alive connection open after server.close() until its idle timeout: once
  // closing, answers say `connection: close` and connections go as soon as they are idle.
  const inFlight = new Set<ServerResponse>();
  server.prependListener("request", (request: IncomingMessage, response: ServerResponse) => {
    if (closing) response.setHeader("connection", "close");
    closeIfBodyUnread(request, response);
    inFlight.add(response);
    response.once("close", () => {
      inFlight.delete(response);
      if (closing) server.closeIdleConnections();
    });
  });
  return new Promise<HttpServer>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => {
      server.off("error", reject);
      const close = (graceMs = 5000) =>
        (closing ??= new Promise<void>((done) => {
          // Stops listening and drops idle keep-alives (Node >= 19); the callback waits for every
          // connection, upgraded ones included, as `net.Server` still counts those.
          const timer = setTimeout(() => {
            server.closeAllConnections();
            webSockets.cut();
          }, graceMs);
          server.close(() => {
            clearTimeout(timer);
            // `ws` reports a socket closed only after `net` has: let those handlers run first.
            void webSockets.drained().then(done);
          });
          for (const response of inFlight) if (!response.headersSent) response.setHeader("connection", "close");
        }));
      options.signal?.addEventListener("abort", () => void close(), { once: true });
      resolve({ hostname: options.hostname, port: (server.address() as AddressInfo).port, close });
    });
  });
}

/** What `@hono/node-server` answers when it cannot make a Request (a bad Host, path or scheme), or `fetch` threw. */
function requestFailed(error: unknown): Response {
  if (error instanceof RequestError) return problemResponse(400, `expected a request the server can read, got one it refused: ${error.message}`);
  console.error("amibridge: fetch handler threw", error);
  return problemResponse(500, "the handler failed; the server logged the cause");
}

/**
 * An answer sent before the request's body was all read (a 404 or 413 to an upload) says
 * `connection: close` (RFC 9112 9.6): the server drops such a connection soon after, and a client
 * that reused it would see its next request fail.
 */
function closeIfBodyUnread(request: IncomingMessage, response: ServerResponse): void {
  if (request.complete) return;
  const writeHead = response.writeHead;
  response.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse["writeHead"]>) {
    if (!request.complete && !this.headersSent) this.setHeader("connection", "close");
    return writeHead.apply(this, args);
  } as ServerResponse["writeHead"];
}
