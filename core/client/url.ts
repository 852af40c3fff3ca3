import { AmiError } from "../errors.ts";
import type { TlsConnectOptions } from "../ports.ts";
import type { AmiHttpClientOptions } from "./http/options.ts";
import type { AmiClientOptions } from "./types.ts";

/** Connection settings read from an `ami://`, `amis://`, `http://` or `https://` URL. */
export interface AmiUrl {
  hostname: string;
  port: number;
  username: string;
  secret: string;
  /** `amis://` means implicit TLS. */
  tls: boolean;
  auth: "plain" | "md5";
  /** Path of a PEM CA bundle (`?ca=`), to be read by the caller. */
  caFile?: string;
  /** `?servername=`: name to verify the certificate against. */
  serverName?: string;
  /** `?insecure=1`: skip certificate verification. */
  insecure: boolean;
  /** `?events=off` or a class list; default on. */
  events?: string;
  /** Set for `http://` and `https://`: AMI over HTTP. */
  http?: {
    /** The endpoint without credentials or query, e.g. `http://pbx:8088/rawman`. */
    endpoint: string;
    /** The path ends in `/arawman`: HTTP Digest instead of the Login action. */
    digest: boolean;
  };
}

/** The AMI-over-HTTP paths Asterisk serves, and what the client can read of them. */
const HTTP_PATH = /\/(a?)(rawman|mxml|manager)$/;

function fail(url: string, reason: string): never {
  throw new AmiError("INVALID_CONFIG", `invalid AMI URL ${redactUrl(url)}: ${reason}`);
}

/** The URL with its secret replaced by `***`, safe for logs and errors. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:@/]*:)[^@/]*@/i, "$1***@");
}

/**
 * Parses `ami://user:secret@host:5038?auth=md5&ca=file&insecure=1` (default ports 5038 and 5039),
 * or for AMI over HTTP `http://user:secret@host:8088/rawman` (`https://` for TLS, `/arawman` for
 * HTTP Digest, any path prefix of Asterisk's `http.conf` before it).
 */
export function parseAmiUrl(url: string): AmiUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    fail(url, 'expected "ami://user:secret@host:5038", "amis://…" or "http://user:secret@host:8088/rawman"');
  }
  const scheme = parsed.protocol.slice(0, -1);
  if (scheme === "http" || scheme === "https") return parseHttpUrl(url, parsed);
  if (scheme !== "ami" && scheme !== "amis") fail(url, `expected scheme ami, amis, http or https, got ${scheme}`);
  if (!parsed.hostname) fail(url, "expected a host name");
  if (!parsed.username) fail(url, "expected a user name before @");
  const tls = scheme === "amis";
  const port = parsed.port ? Number(parsed.port) : tls ? 5039 : 5038;
  const auth = parsed.searchParams.get("auth") ?? "plain";
  if (auth !== "plain" && auth !== "md5") fail(url, `expected auth=plain or auth=md5, got auth=${auth}`);
  const insecure = parsed.searchParams.get("insecure");
  const result: AmiUrl = {
    hostname: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
    port,
    username: decodeURIComponent(parsed.username),
    secret: decodeURIComponent(parsed.password),
    tls,
    auth,
    insecure: insecure === "1" || insecure === "true" || insecure === "yes",
  };
  const ca = parsed.searchParams.get("ca");
  if (ca) result.caFile = ca;
  const serverName = parsed.searchParams.get("servername");
  if (serverName) result.serverName = serverName;
  const events = parsed.searchParams.get("events");
  if (events) result.events = events;
  return result;
}

/** An `http://` or `https://` AMI URL; see {@link parseAmiUrl}. */
function parseHttpUrl(url: string, parsed: URL): AmiUrl {
  if (!parsed.hostname) fail(url, "expected a host name");
  if (!parsed.username) fail(url, "expected a user name before @");
  const path = HTTP_PATH.exec(parsed.pathname);
  if (!path) fail(url, `expected a path ending in /rawman (or /arawman for HTTP Digest), got ${JSON.stringify(parsed.pathname)}`);
  if (path[2] !== "rawman") fail(url, `expected /${path[1]}rawman, got /${path[1]}${path[2]}: the client reads AMI text; /mxml and /manager are XML and HTML for browsers`);
  const digest = path[1] === "a";
  for (const name of ["ca", "servername", "insecure"]) {
    if (parsed.searchParams.has(name)) {
      fail(url, `expected no ?${name}= on an ${parsed.protocol}// URL: the runtime's fetch checks https certificates against its own trust store (ca, servername and insecure are for amis://)`);
    }
  }
  const auth = parsed.searchParams.get("auth") ?? "plain";
  if (auth !== "plain" && auth !== "md5") fail(url, `expected auth=plain or auth=md5, got auth=${auth}`);
  if (digest && auth === "md5") fail(url, "expected no auth=md5 with /arawman: HTTP Digest already keeps the secret off the wire");
  const tls = parsed.protocol === "https:";
  const endpoint = new URL(parsed.pathname, `${parsed.protocol}//${parsed.host}`).href;
  const result: AmiUrl = {
    hostname: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: parsed.port ? Number(parsed.port) : tls ? 443 : 80,
    username: decodeURIComponent(parsed.username),
    secret: decodeURIComponent(parsed.password),
    tls,
    auth,
    insecure: false,
    http: { endpoint, digest },
  };
  const events = parsed.searchParams.get("events");
  if (events) result.events = events;
  return result;
}

/**
 * The client options an AMI URL sets: address, credentials, login method, `?events=`, and for
 * `amis://` the server name and insecure switch. Everything but `connect`; a `?ca=` file is left
 * to the caller, which knows how to read it (or which plugin applies it).
 */
export function clientOptionsFromUrl(url: AmiUrl): Omit<AmiClientOptions, "connect"> {
  let tls: false | TlsConnectOptions = false;
  if (url.tls) {
    tls = {};
    if (url.serverName) tls.serverName = url.serverName;
    if (url.insecure) tls.insecure = true;
  }
  const options: Omit<AmiClientOptions, "connect"> = { hostname: url.hostname, port: url.port, tls, username: url.username, secret: url.secret, auth: url.auth };
  if (url.events) options.events = url.events === "on" || url.events === "off" ? url.events : url.events.split(",");
  return options;
}

/** The options of an {@link AmiHttpClient} that an `http://` or `https://` AMI URL sets. */
export function httpClientOptionsFromUrl(url: AmiUrl): AmiHttpClientOptions {
  if (!url.http) throw new AmiError("INVALID_CONFIG", `expected an http:// or https:// AMI URL, got one for ${url.hostname}:${url.port} over ${url.tls ? "amis" : "ami"}://`);
  const options: AmiHttpClientOptions = {
    url: url.http.endpoint,
    httpAuth: url.http.digest ? "digest" : "cookie",
    username: url.username,
    secret: url.secret,
    auth: url.auth,
  };
  if (url.events) options.events = url.events === "on" || url.events === "off" ? url.events : url.events.split(",");
  return options;
}
