/**
 * Checks a subscription's URL before it is stored: an http(s) URL without credentials, whose
 * host the address guard allows. A name is resolved now, so a subscription to a name that points
 * at 127.0.0.1 is refused when it is made; every delivery checks again (DNS can change).
 */
import { addressRefusal, type AddressPolicy } from "../../core/net/address-guard.ts";
import { parseIp } from "../../core/net/ip.ts";
import type { Resolve } from "../../core/ports.ts";

/** Why `text` is not a URL deliveries can go to, or the parsed URL. */
export function parseTarget(text: string): URL | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `expected an http:// or https:// URL, got ${JSON.stringify(text.slice(0, 200))}`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `expected an http:// or https:// URL, got a ${url.protocol} URL`;
  // Credentials in a URL end up in logs and answers; a receiver authenticates deliveries by their signature.
  if (url.username !== "" || url.password !== "") return "expected a URL without user:password (deliveries are authenticated by their signature)";
  if (url.hostname === "") return "expected a URL with a host";
  return url;
}

/** The host of a URL without IPv6 brackets. */
export function bareHost(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

/** Why the guard refuses the URL's host (resolving a name), or undefined when it may be delivered to. */
export async function targetRefusal(url: URL, policy: AddressPolicy, resolve: Resolve | undefined): Promise<string | undefined> {
  const host = bareHost(url);
  if (parseIp(host)) return addressRefusal(host, policy);
  if (!resolve) return `expected a runtime that can resolve host names, got none to resolve ${host}`;
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    return `could not resolve ${host}: ${error instanceof Error ? error.message : String(error)}`;
  }
  const refusals = addresses.map((address) => addressRefusal(address, policy));
  if (refusals.some((refusal) => refusal === undefined)) return undefined;
  return `${host} resolves to ${addresses.join(", ")}; ${refusals[0] ?? "no address"}`;
}
