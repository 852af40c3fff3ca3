/** IP literals, CIDR blocks and the SSRF guard's verdicts on the addresses that matter. */
import { describe, expect, test } from "bun:test";
import { addressKind, addressRefusal, parseAllowList } from "../../core/net/address-guard.ts";
import { cidrContains, formatIp, parseCidr, parseIp } from "../../core/net/ip.ts";

describe("IP literals", () => {
  test("IPv4 and IPv6 parse to their bytes, and names do not", () => {
    expect([...parseIp("192.168.1.20")!]).toEqual([192, 168, 1, 20]);
    expect(formatIp(parseIp("::1")!)).toBe("::1");
    expect(formatIp(parseIp("[2001:db8::8:800:200c:417a]")!)).toBe("2001:db8::8:800:200c:417a");
    expect(formatIp(parseIp("fe80::1%eth0")!)).toBe("fe80::1");
    expect(formatIp(parseIp("::ffff:127.0.0.1")!)).toBe("::ffff:7f00:1");
    for (const name of ["localhost", "example.com", "127.1", "1.2.3.256", "01.2.3.4", "1::2::3", "1:2:3:4:5:6:7:8:9", ""]) expect(parseIp(name)).toBeUndefined();
  });

  test("CIDR blocks contain what they should, and bad ones name the problem", () => {
    expect(cidrContains(parseCidr("10.0.0.0/8"), parseIp("10.200.3.4")!)).toBe(true);
    expect(cidrContains(parseCidr("10.0.0.0/8"), parseIp("11.0.0.1")!)).toBe(false);
    expect(cidrContains(parseCidr("127.0.0.1"), parseIp("::ffff:127.0.0.1")!)).toBe(true);
    expect(cidrContains(parseCidr("fc00::/7"), parseIp("fd12::1")!)).toBe(true);
    expect(cidrContains(parseCidr("fc00::/7"), parseIp("10.0.0.1")!)).toBe(false);
    expect(() => parseCidr("10.0.0.0/33")).toThrow("expected a prefix length from 0 to 32");
    expect(() => parseCidr("intranet")).toThrow('expected an IP address or a CIDR block like 10.0.0.0/8 or fd00::/8, got "intranet"');
  });
});

describe("the address guard", () => {
  const cases: Array<[string, string]> = [
    ["127.0.0.1", "loopback"],
    ["127.45.0.9", "loopback"],
    ["::1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::127.0.0.1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.20.0.1", "private"],
    ["192.168.0.10", "private"],
    ["fd00::5", "private"],
    ["::ffff:192.168.1.1", "private"],
    ["100.64.0.1", "shared"],
    ["169.254.10.10", "link-local"],
    ["fe80::abcd", "link-local"],
    ["169.254.169.254", "metadata"],
    ["fd00:ec2::254", "metadata"],
    ["::ffff:169.254.169.254", "metadata"],
    ["64:ff9b::a9fe:a9fe", "metadata"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["224.0.0.251", "multicast"],
    ["ff02::1", "multicast"],
    ["255.255.255.255", "broadcast"],
  ];

  test("refuses every special address, naming its kind", () => {
    for (const [address, kind] of cases) {
      expect([address, addressKind(parseIp(address)!)]).toEqual([address, kind as never]);
      expect(addressRefusal(address)).toContain(`is a ${kind} address, refused unless allowed`);
    }
  });

  test("lets public addresses through", () => {
    for (const address of ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "172.32.0.1", "100.128.0.1"]) expect(addressRefusal(address)).toBeUndefined();
  });

  test("allowPrivateNetworks lets everything through; an allow list only its blocks", () => {
    expect(addressRefusal("10.0.0.1", { allowPrivateNetworks: true })).toBeUndefined();
    const allow = parseAllowList(["127.0.0.1/32", "10.1.0.0/16"]);
    expect(addressRefusal("127.0.0.1", { allow })).toBeUndefined();
    expect(addressRefusal("::ffff:127.0.0.1", { allow })).toBeUndefined();
    expect(addressRefusal("10.1.200.1", { allow })).toBeUndefined();
    expect(addressRefusal("127.0.0.2", { allow })).toContain("loopback");
    expect(addressRefusal("10.2.0.1", { allow })).toContain("private");
    expect(addressRefusal("169.254.169.254", { allow })).toContain("metadata");
  });

  test("a name is never judged as an address", () => {
    expect(addressRefusal("localhost")).toBe('expected an IP address to check, got "localhost"');
  });
});
