/**
 * Node's HTTP parser answers malformed requests itself (400, 431, 417, 408) with no body. These
 * hooks answer them as problem documents instead, like everything else the bridge says.
 */
import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { problemResponse } from "../../core/bridge/problem.ts";

/** Status and detail for a parser error code (`HPE_*`, `ERR_HTTP_REQUEST_TIMEOUT`). */
function statusFor(error: NodeJS.ErrnoException & { reason?: string }): { status: number; detail: string } {
  const why = `${error.code ?? "parse error"}${error.reason ? `: ${error.reason}` : ""}`;
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      return { status: 431, detail: `expected a request line and headers within the server's limit, got more (${why})` };
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return { status: 413, detail: `expected chunk extensions within the server's limit, got more (${why})` };
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return { status: 408, detail: "expected the whole request within the server's request timeout, got less" };
    default:
      return { status: 400, detail: `expected a well-formed HTTP/1.1 request, got one the parser refused (${why})` };
  }
}

/** The bytes of a complete HTTP/1.1 answer to write on a socket the parser gave up on. */
async function rawAnswer(response: Response): Promise<Buffer> {
  const body = Buffer.from(await response.arrayBuffer());
  const lines = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ""}`];
  response.headers.forEach((value, name) => lines.push(`${name}: ${value}`));
  lines.push(`content-length: ${body.byteLength}`, "connection: close", "", "");
  return Buffer.concat([Buffer.from(lines.join("\r\n"), "latin1"), body]);
}

/** Answers `server`'s parser errors and unmet `Expect` headers with problem documents. */
export function answerParserErrors(server: Server): void {
  server.on("clientError", (error: NodeJS.ErrnoException & { reason?: string }, socket: Duplex) => {
    // A reset peer hears nothing; an answer already under way must not be corrupted (Node's own rule).
    const current = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
    if (error.code === "ECONNRESET" || !socket.writable || current?.headersSent) {
      socket.destroy();
      return;
    }
    const { status, detail } = statusFor(error);
    void rawAnswer(problemResponse(status, detail)).then(
      (bytes) => socket.end(bytes, () => socket.destroy()),
      () => socket.destroy(),
    );
  });
  // Without a listener Node answers an unknown `Expect` with a bare 417.
  server.on("checkExpectation", (request: IncomingMessage, response: ServerResponse) => {
    const detail = `expected no Expect header or Expect: 100-continue, got ${JSON.stringify(String(request.headers.expect).slice(0, 80))}`;
    answerProblem(response, problemResponse(417, detail, { instance: pathOf(request) }));
  });
  // Without a listener Node drops a CONNECT without a word; no Request can even carry that method.
  server.on("connect", (_request: IncomingMessage, socket: Duplex) => {
    socket.on("error", () => {});
    void rawAnswer(problemResponse(501, "expected a request for one of this server's routes, got CONNECT (this is no proxy)")).then(
      (bytes) => socket.end(bytes, () => socket.destroy()),
      () => socket.destroy(),
    );
  });
}

function pathOf(request: IncomingMessage): string {
  return (request.url ?? "/").split("?")[0]!.slice(0, 200);
}

/** The problem for an HTTP/1.1 request without Host, which RFC 9112 says to refuse. */
export function missingHost(request: IncomingMessage): Response {
  return problemResponse(400, "expected a Host header (HTTP/1.1 requires one), got none", { instance: pathOf(request) });
}

/** Writes a problem response on a Node response, then closes the connection. */
export function answerProblem(response: ServerResponse, problem: Response): void {
  void problem.text().then((body) => {
    response.writeHead(problem.status, { ...Object.fromEntries(problem.headers), connection: "close" });
    response.end(body);
  });
}
