import { AmiError } from "../errors.ts";
import type { TlsConnectOptions } from "../ports.ts";
import type { AmiClientOptions } from "./types.ts";

/** Connection settings read from an `ami://` or `amis://` URL. */
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
}

function fail(url: string, reason: string): never {
  throw new AmiError("INVALID_CONFIG", `invalid AMI URL ${redactUrl(url)}: ${reason}`);
}

/** The URL with its secret replaced by `***`, safe for logs and errors. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:@/]*:)[^@/]*@/i, "$1***@");
}

/** Parses `ami://user:secret@host:5038?auth=md5&ca=file&insecure=1` (default ports 5038 and 5039). */
export function parseAmiUrl(url: string): AmiUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    fail(url, 'expected "ami://user:secret@host:5038" or "amis://…"');
  }
  const scheme = parsed.protocol.slice(0, -1);
  if (scheme !== "ami" && scheme !== "amis") fail(url, `expected scheme ami or amis, got ${scheme}`);
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
