/**
 * HTTP Digest authentication (RFC 2617, MD5, qop=auth) as Asterisk's `/arawman`, `/amxml` and
 * `/amanager` speak it: the client's answer to a challenge, and the parameter lists of both headers.
 */
import { md5Hex } from "./md5.ts";

/**
 * The `key=value, key="value"` parameters after `Digest` in a `WWW-Authenticate` or
 * `Authorization` header, keys in lower case; undefined when the scheme is not Digest.
 */
export function parseDigestParams(header: string): Map<string, string> | undefined {
  const text = header.trim();
  if (!/^digest\s/i.test(text)) return undefined;
  const params = new Map<string, string>();
  const pattern = /([A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/g;
  for (const match of text.slice(6).matchAll(pattern)) {
    params.set(match[1]!.toLowerCase(), match[2] !== undefined ? match[2].replace(/\\(.)/g, "$1") : match[3]!);
  }
  return params;
}

/** What the client needs to answer one challenge. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  /** True when the server offered `qop="auth"`. */
  qop: boolean;
}

/** The challenge of a `WWW-Authenticate: Digest …` header, or undefined when it is none (or not MD5). */
export function parseDigestChallenge(header: string | null): DigestChallenge | undefined {
  if (!header) return undefined;
  const params = parseDigestParams(header);
  const realm = params?.get("realm");
  const nonce = params?.get("nonce");
  if (!params || realm === undefined || !nonce) return undefined;
  const algorithm = params.get("algorithm");
  if (algorithm !== undefined && algorithm.toLowerCase() !== "md5") return undefined;
  const challenge: DigestChallenge = { realm, nonce, qop: (params.get("qop") ?? "").split(",").some((q) => q.trim().toLowerCase() === "auth") };
  const opaque = params.get("opaque");
  if (opaque !== undefined) challenge.opaque = opaque;
  return challenge;
}

/** `response` = MD5(HA1:nonce:nc:cnonce:auth:HA2), or MD5(HA1:nonce:HA2) without qop (RFC 2069). */
export function digestHash(o: { ha1: string; method: string; uri: string; nonce: string; nc?: string; cnonce?: string; qop: boolean }): string {
  const ha2 = md5Hex(`${o.method}:${o.uri}`);
  return o.qop ? md5Hex(`${o.ha1}:${o.nonce}:${o.nc}:${o.cnonce}:auth:${ha2}`) : md5Hex(`${o.ha1}:${o.nonce}:${ha2}`);
}

/** HA1 = MD5(username:realm:secret). */
export function digestHa1(username: string, realm: string, secret: string): string {
  return md5Hex(`${username}:${realm}:${secret}`);
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, "\\$&")}"`;
}

/** The `Authorization` header answering `challenge` for one request; `nc` counts the uses of its nonce from 1. */
export function digestAuthorization(o: { username: string; secret: string; method: string; uri: string; challenge: DigestChallenge; nc: number; cnonce: string }): string {
  const nc = o.nc.toString(16).padStart(8, "0");
  const { realm, nonce, qop, opaque } = o.challenge;
  const response = digestHash({ ha1: digestHa1(o.username, realm, o.secret), method: o.method, uri: o.uri, nonce, nc, cnonce: o.cnonce, qop });
  const parts = [`username=${quote(o.username)}`, `realm=${quote(realm)}`, `nonce=${quote(nonce)}`, `uri=${quote(o.uri)}`, "algorithm=MD5", `response=${quote(response)}`];
  if (opaque !== undefined) parts.push(`opaque=${quote(opaque)}`);
  if (qop) parts.push("qop=auth", `nc=${nc}`, `cnonce=${quote(o.cnonce)}`);
  return `Digest ${parts.join(", ")}`;
}
