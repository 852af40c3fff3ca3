/**
 * IP address literals and CIDR blocks as bytes: 4 for IPv4, 16 for IPv6. Parsed here rather than
 * by a runtime's `isIP`, because `core/` has no runtime, and because the address guard must agree
 * byte for byte with what a connect call would reach (`::ffff:127.0.0.1` is 127.0.0.1).
 */

/** Four or sixteen bytes. */
export type IpBytes = Uint8Array;

/** A network block: the address bytes and how many leading bits count. */
export interface Cidr {
  readonly bytes: IpBytes;
  readonly prefix: number;
  /** As written, for messages. */
  readonly text: string;
}

const DECIMAL_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * The bytes of a dotted-quad IPv4 literal, or undefined. Only the four-part decimal form:
 * `127.1` and `0x7f.0.0.1` are refused, as the WHATWG URL parser would have normalised them.
 */
export function parseIpv4(text: string): IpBytes | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!DECIMAL_OCTET.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

/** The bytes of an IPv6 literal (brackets and a `%zone` allowed), or undefined. */
export function parseIpv6(input: string): IpBytes | undefined {
  let text = input.startsWith("[") && input.endsWith("]") ? input.slice(1, -1) : input;
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  if (!text.includes(":")) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === "") return [];
    const out: number[] = [];
    const parts = half.split(":");
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (i === parts.length - 1 && part.includes(".")) {
        const v4 = parseIpv4(part);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (HEX_GROUP.test(part)) out.push(parseInt(part, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}

/** The bytes of an IPv4 or IPv6 literal, or undefined when `text` is a name. */
export function parseIp(text: string): IpBytes | undefined {
  return parseIpv4(text) ?? parseIpv6(text);
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), else the bytes as they are. */
export function unmapIpv4(bytes: IpBytes): IpBytes {
  if (bytes.length !== 16) return bytes;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return bytes;
  return bytes[10] === 0xff && bytes[11] === 0xff ? bytes.slice(12) : bytes;
}

/** Text form of address bytes: dotted quad, or RFC 5952 compressed IPv6. */
export function formatIp(bytes: IpBytes): string {
  if (bytes.length === 4) return bytes.join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/** Thrown by {@link parseCidr}. */
export class CidrError extends Error {
  override name = "CidrError";
  readonly code = "CIDR_INVALID";
}

/** Parses `10.0.0.0/8`, `fd00::/8`, or a single address (a /32 or /128). */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf("/");
  const address = slash < 0 ? text : text.slice(0, slash);
  const bytes = parseIp(address);
  if (!bytes) throw new CidrError(`expected an IP address or a CIDR block like 10.0.0.0/8 or fd00::/8, got ${JSON.stringify(text)}`);
  const bits = bytes.length * 8;
  const prefixText = slash < 0 ? String(bits) : text.slice(slash + 1);
  const prefix = /^[0-9]{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) throw new CidrError(`expected a prefix length from 0 to ${bits} in ${JSON.stringify(text)}, got ${JSON.stringify(prefixText)}`);
  return { bytes, prefix, text };
}

/** Whether `address` lies in `block` (an IPv4-mapped address counts as the IPv4 address). */
export function cidrContains(block: Cidr, address: IpBytes): boolean {
  const bytes = block.bytes.length === 4 ? unmapIpv4(address) : address;
  if (bytes.length !== block.bytes.length) return false;
  let bits = block.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (block.bytes[i]! & mask)) return false;
  }
  return true;
}
