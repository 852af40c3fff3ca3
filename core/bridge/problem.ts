/**
 * RFC 9457 problem details: every error the HTTP API answers is `application/problem+json` with
 * a status, a short title and a detail that names the field or cause.
 */

/** Extra members a problem may carry (`field`, `expected`, `received`, `retryAfter` …). */
export type ProblemExtras = Record<string, unknown>;

/** Thrown by handlers and middleware; the bridge's error handler turns it into a problem response. */
export class HttpProblem extends Error {
  override name = "HttpProblem";
  readonly status: number;
  readonly title: string;
  readonly extras: ProblemExtras;
  readonly headers: Record<string, string>;

  constructor(status: number, detail: string, options: { title?: string; extras?: ProblemExtras; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(detail, { cause: options.cause });
    this.status = status;
    this.title = options.title ?? statusTitle(status);
    this.extras = options.extras ?? {};
    this.headers = options.headers ?? {};
  }
}

/** RFC 9110 reason phrases (and RFC 6585's), so no problem is ever just titled "Error". */
const STATUS_TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  402: "Payment Required",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  407: "Proxy Authentication Required",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  411: "Length Required",
  412: "Precondition Failed",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  416: "Range Not Satisfiable",
  417: "Expectation Failed",
  421: "Misdirected Request",
  422: "Unprocessable Content",
  425: "Too Early",
  426: "Upgrade Required",
  428: "Precondition Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
};

/** The title of a status: its reason phrase, or the class of an unlisted one. */
export function statusTitle(status: number): string {
  return STATUS_TITLES[status] ?? (status >= 500 ? "Server Error" : "Client Error");
}

/** Builds the problem response for a status and detail. */
export function problemResponse(status: number, detail: string, options: { title?: string; extras?: ProblemExtras; headers?: Record<string, string>; instance?: string } = {}): Response {
  const body = { type: "about:blank", title: options.title ?? statusTitle(status), status, detail, ...(options.instance ? { instance: options.instance } : {}), ...options.extras };
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/problem+json", "cache-control": "no-store", ...options.headers },
  });
}

/** The response for a thrown {@link HttpProblem}. */
export function responseForProblem(problem: HttpProblem, instance?: string): Response {
  return problemResponse(problem.status, problem.message, { title: problem.title, extras: problem.extras, headers: problem.headers, ...(instance ? { instance } : {}) });
}
