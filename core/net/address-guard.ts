/**
 * The SSRF guard: which addresses an outgoing request (a webhook delivery) may connect to. It is
 * applied to the address actually connected to, after DNS, so a public name that resolves to
 * 127.0.0.1 is refused like the literal. Loopback, private, shared (CGNAT), link-local, cloud
 * metadata, unspecified, multicast and broadcast addresses are refused unless allowed.
 */
import { type Cidr, cidrContains, formatIp, type IpBytes, parseCidr, parseIp, unmapIpv4 } from "./ip.ts";

/** Why an address is special, as the guard names it in its refusals. */
export type AddressKind = "loopback" | "private" | "shared" | "link-local" | "metadata" | "unspecified" | "multicast" | "broadcast" | "reserved";

/** Blocks checked in order: the first match names the kind (metadata before link-local and private). */
const SPECIAL: ReadonlyArray<readonly [Cidr, AddressKind]> = (
  [
    ["169.254.169.254/32", "metadata"],
    ["fd00:ec2::254/128", "metadata"],
    ["0.0.0.0/8", "unspecified"],
    ["127.0.0.0/8", "loopback"],
    ["10.0.0.0/8", "private"],
    ["172.16.0.0/12", "private"],
    ["192.168.0.0/16", "private"],
    ["100.64.0.0/10", "shared"],
    ["169.254.0.0/16", "link-local"],
    ["192.0.0.0/24", "reserved"],
    ["198.18.0.0/15", "reserved"],
    ["255.255.255.255/32", "broadcast"],
    ["240.0.0.0/4", "reserved"],
    ["224.0.0.0/4", "multicast"],
    ["::/128", "unspecified"],
    ["::1/128", "loopback"],
    ["fe80::/10", "link-local"],
    ["fc00::/7", "private"],
    ["ff00::/8", "multicast"],
  ] as const
).map(([block, kind]) => [parseCidr(block), kind] as const);

/**
 * IPv6 prefixes that carry an IPv4 address in their last 32 bits: IPv4-compatible (`::a.b.c.d`)
 * and NAT64 (`64:ff9b::/96`). The embedded address is what such a packet may end up reaching.
 */
const EMBEDDING: readonly Cidr[] = ["::/96", "64:ff9b::/96"].map(parseCidr);

/** The kind of special address `bytes` is, or undefined for an ordinary public address. */
export function addressKind(bytes: IpBytes): AddressKind | undefined {
  const address = unmapIpv4(bytes);
  for (const [block, kind] of SPECIAL) if (cidrContains(block, address)) return kind;
  if (address.length === 16 && EMBEDDING.some((block) => cidrContains(block, address))) return addressKind(address.slice(12));
  return undefined;
}

/** What the guard lets through besides public addresses. */
export interface AddressPolicy {
  /** Every special address is allowed (a receiver on the same host or network). */
  allowPrivateNetworks?: boolean;
  /** Blocks allowed even though special, e.g. `127.0.0.1/32` or `10.1.0.0/16`. */
  allow?: readonly Cidr[];
}

/** Parses an allow list of CIDR blocks; throws a `CidrError` naming the bad one. */
export function parseAllowList(blocks: readonly string[]): Cidr[] {
  return blocks.map(parseCidr);
}

/**
 * Why connecting to `address` (an IP literal) is refused, or undefined when it is allowed. A
 * string that is not an IP literal is refused: the guard only ever judges resolved addresses.
 */
export function addressRefusal(address: string, policy: AddressPolicy = {}): string | undefined {
  const bytes = parseIp(address);
  if (!bytes) return `expected an IP address to check, got ${JSON.stringify(address)}`;
  const kind = addressKind(bytes);
  if (kind === undefined || policy.allowPrivateNetworks) return undefined;
  if (policy.allow?.some((block) => cidrContains(block, bytes))) return undefined;
  return `${formatIp(unmapIpv4(bytes))} is a ${kind} address, refused unless allowed (allowPrivateNetworks, or a block in allowNetworks)`;
}
