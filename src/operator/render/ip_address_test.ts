import assert from "node:assert/strict";
import {
  formatAddress,
  formatPythonAddress,
  parseIpv4,
  parseIpv6,
  parseNetaddr,
  parsePythonNetwork,
} from "./ip_address.ts";

Deno.test("IPv4 is dotted-quad decimal without leading zeros, as inet_pton", () => {
  assert.equal(parseIpv4("192.0.2.1"), 0xc0000201n);
  assert.equal(parseIpv4("0.0.0.0"), 0n);
  assert.equal(parseIpv4("255.255.255.255"), 0xffffffffn);
  for (
    const text of [
      "192.168.001.010",
      "1.2.3",
      "0x0a.0.0.1",
      "256.0.0.1",
      "1.2.3.4.",
      " 1.2.3.4",
      "1.2.3.+4",
    ]
  ) {
    assert.equal(parseIpv4(text), undefined, text);
  }
});

Deno.test("IPv6 as inet_pton: one ::, 1-4 hex digits, a dotted quad only at the end", () => {
  assert.equal(parseIpv6("::"), 0n);
  assert.equal(parseIpv6("::1"), 1n);
  assert.equal(parseIpv6("1:2:3:4:5:6:7::"), 0x0001000200030004000500060007_0000n);
  assert.equal(parseIpv6("::192.0.2.1"), 0xc0000201n);
  assert.equal(parseIpv6("::ffff:192.0.2.1"), 0xffffc0000201n);
  assert.equal(parseIpv6("1:2:3:4:5:6:192.0.2.1"), 0x000100020003000400050006c0000201n);
  for (
    const text of [
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      ":1::",
      "1::2:",
      "1:2:3:4:5:6:7::8",
      "00000::",
      "::1.2.3.04",
      "1.2.3.4::",
      "fe80::1%eth0",
      "::g",
    ]
  ) {
    assert.equal(parseIpv6(text), undefined, text);
  }
});

Deno.test("netaddr's networks: prefix as Python's int(), netmask or host mask", () => {
  assert.deepEqual(parseNetaddr("198.51.100.77/24"), {
    version: 4,
    value: 0xc633644dn,
    prefixlen: 24,
  });
  assert.equal(parseNetaddr("192.0.2.0/255.255.255.0")?.prefixlen, 24);
  assert.equal(parseNetaddr("192.0.2.0/0.0.0.255")?.prefixlen, 24);
  assert.equal(parseNetaddr("2001:db8::/ffff:ffff::")?.prefixlen, 32);
  assert.equal(parseNetaddr("192.0.2.1/024")?.prefixlen, 24);
  assert.equal(parseNetaddr("192.0.2.1/ 24")?.prefixlen, 24);
  for (
    const text of [
      "192.0.2.0/255.0.255.0",
      "192.0.2.1/33",
      "::/129",
      "192.0.2.1/",
      "1.2.3.4/-1",
      "10/8",
      " ::/0",
      "::/0 /1",
    ]
  ) {
    assert.equal(parseNetaddr(text), undefined, text);
  }
});

Deno.test("Python's ip_network: strict (no host bits), zone IDs allowed, IPv6 prefix digits only", () => {
  assert.equal(parsePythonNetwork("192.0.2.0/24")?.prefixlen, 24);
  assert.equal(parsePythonNetwork("192.0.2.1/24"), undefined);
  assert.equal(parsePythonNetwork("fe80::1%eth0")?.version, 6);
  assert.equal(parsePythonNetwork("fe80::1%"), undefined);
  assert.equal(parsePythonNetwork("192.0.2.0/255.255.255.0")?.prefixlen, 24);
  assert.equal(parsePythonNetwork("2001:db8::/ffff::"), undefined);
  assert.equal(parsePythonNetwork("192.0.2.0/ 24"), undefined);
});

Deno.test("addresses print as netaddr (inet_ntop) and Python's ipaddress print them", () => {
  assert.equal(formatAddress(6, 0xffffc0000201n), "::ffff:192.0.2.1");
  assert.equal(formatAddress(6, 0xc0000201n), "::192.0.2.1");
  assert.equal(formatAddress(6, 0xffffn), "::ffff");
  assert.equal(formatAddress(6, 0x100000000n), "::1:0:0");
  assert.equal(formatAddress(6, 0x0001000000000002_0000000000000003n), "1:0:0:2::3");
  assert.equal(formatAddress(6, 0x0001000200030004_0005000600070000n), "1:2:3:4:5:6:7:0");
  assert.equal(formatAddress(6, 0x0001000000010000_0000000100000001n), "1:0:1::1:0:1");
  assert.equal(formatAddress(6, 0x0001000000000001_0000000000000001n), "1:0:0:1::1");
  assert.equal(formatPythonAddress(6, 0xffffc0000201n), "::ffff:c000:201");
  assert.equal(formatAddress(4, 0xc0000201n), "192.0.2.1");
});
