import assert from "node:assert/strict";
import { compileTemplate } from "./engine.ts";
import {
  ipaddrFilter,
  IpHelperError,
  ipmath,
  ipsubnet,
  ipsuffix,
  ipTests,
  ipwrap,
  networkInNetwork,
  networkInUsable,
  nextNthUsable,
  nthhost,
  previousNthUsable,
  usableRange,
} from "./ip.ts";

/** Renders one expression with the real template engine (exact template integers). */
function render(expression: string): string {
  return compileTemplate(`{{ ${expression} }}`).render({});
}

Deno.test("old inet_aton forms are not IPv4 addresses", () => {
  for (const text of ["192.168.001.010", "1.2.3", "0x0a.0.0.1", "010.0.0.1", "1.2.3.4.5"]) {
    assert.equal(ipaddrFilter(text), false, text);
    assert.equal(ipTests.ip(text), false, text);
    assert.throws(() => nthhost(`${text}/24`, 1), IpHelperError, text);
  }
  assert.throws(() => ipsuffix("2001:db8::/64", "0.0.0.010"), /not an IP address/);
  assert.throws(() => ipsuffix("192.0.2.0/24", "0.0.0.010"), /not an IP address/);
  assert.equal(ipsuffix("192.0.2.0/24", "0.0.0.10"), "192.0.2.10");
});

Deno.test("zone IDs and surrounding whitespace are not addresses", () => {
  assert.equal(ipaddrFilter("fe80::1%eth0"), false);
  assert.equal(ipaddrFilter(" 192.0.2.1"), false);
  assert.equal(ipaddrFilter("192.0.2.1\n"), false);
  assert.throws(() => ipsubnet(" 2001:db8::/56", 64, 1), /ipsubnet: .*not an IP address/);
  // Ansible's `is ip` reads with Python's ipaddress, which allows a zone ID.
  assert.equal(ipTests.ip("fe80::1%eth0"), true);
});

Deno.test("integers past 2^53 stay exact in and out", () => {
  assert.equal(render("'::' | ipmath(2 ** 64 + 1)"), "::1:0:0:0:1");
  assert.equal(
    render("'2001:db8::/64' | nthhost(18446744073709551615)"),
    "2001:db8::ffff:ffff:ffff:ffff",
  );
  assert.equal(render("'2001:db8::/64' | nthhost(-18446744073709551616)"), "2001:db8::");
  assert.throws(() => render("'2001:db8::/64' | nthhost(-18446744073709551617)"), /out of range/);
  assert.throws(() => render("'2001:db8::/64' | nthhost(2 ** 64)"), /out of range/);
  assert.equal(render("('::/0' | ipaddr('size')) + 1"), String(2n ** 128n + 1n));
  assert.equal(render("'2001:db8::/64' | ipaddr('size') == 2 ** 64"), "True");
  assert.equal(render("'::/0' | ipsubnet(128)"), String(2n ** 128n));
  assert.equal(
    render("'::/0' | ipsubnet(128, 2 ** 128 - 1)"),
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
  );
  assert.equal(
    render("'2001:db8::1' | ipaddr('int')"),
    String(0x20010db8000000000000000000000001n),
  );
});

Deno.test("IPv4-compatible ::a.b.c.d stays IPv6 and mapped addresses print per RFC 5952", () => {
  assert.equal(nthhost("::192.0.2.0/120", 1), "::192.0.2.1");
  assert.equal(ipaddrFilter("::ffff:c000:201"), "::ffff:192.0.2.1");
  assert.equal(ipaddrFilter("::ffff:192.0.2.1/128", "address"), "::ffff:192.0.2.1");
  assert.equal(ipaddrFilter("0:0:0:0:0:0:0:1"), "::1");
  assert.equal(ipaddrFilter("1:2:3:4:5:6:7:0"), "1:2:3:4:5:6:7:0");
  assert.equal(ipaddrFilter("2001:DB8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
});

Deno.test("ipaddr('cidr') keeps host bits; broadcast as Ansible", () => {
  assert.equal(ipaddrFilter("198.51.100.77/24", "cidr"), "198.51.100.77/24");
  assert.equal(ipaddrFilter("198.51.100.77/24", "subnet"), "198.51.100.0/24");
  assert.equal(ipaddrFilter("198.51.100.0/24", "broadcast"), "198.51.100.255");
  assert.equal(ipaddrFilter("2001:db8::/126", "broadcast"), "2001:db8::3");
  assert.equal(ipaddrFilter("198.51.100.0/31", "broadcast"), null);
  assert.equal(ipaddrFilter("198.51.100.1/32", "broadcast"), null);
});

Deno.test("keyword arguments on every IP filter", () => {
  const keywords = (values: Record<string, unknown>) => ({ ...values, __keywords: true });
  assert.equal(ipsubnet("2001:db8::/56", 64, keywords({ index: 1 })), "2001:db8:0:1::/64");
  assert.equal(ipsubnet("2001:db8::/56", keywords({ query: 64, index: 1 })), "2001:db8:0:1::/64");
  assert.equal(ipaddrFilter("2001:db8::5/64", keywords({ query: "address" })), "2001:db8::5");
  assert.equal(nthhost("192.0.2.0/24", keywords({ query: 5 })), "192.0.2.5");
  assert.equal(ipmath("192.0.2.1", keywords({ amount: 5 })), "192.0.2.6");
  assert.equal(networkInNetwork("192.0.2.0/24", keywords({ test: "192.0.2.9" })), true);
  assert.equal(nextNthUsable("192.0.2.5/24", keywords({ offset: 2 })), "192.0.2.7");
  assert.equal(ipwrap("2001:db8::/64", keywords({ query: "address" })), "[2001:db8::]");
  assert.throws(() => ipsubnet("2001:db8::/56", 64, keywords({ bogus: 1 })), /unknown argument/);
  assert.equal(render("'2001:db8::/56' | ipsubnet(64, index=1)"), "2001:db8:0:1::/64");
  assert.equal(render("'2001:db8::5/64' | ipaddr(query='network')"), "2001:db8::");
});

Deno.test("lists: ipaddr filters them, ipwrap maps over them", () => {
  assert.deepEqual(ipaddrFilter(["192.0.2.1", "nope", "2001:db8::/64"]), [
    "192.0.2.1",
    "2001:db8::/64",
  ]);
  assert.deepEqual(ipaddrFilter(["192.0.2.1", "2001:db8::1"], "ipv6"), [
    "::ffff:192.0.2.1/128",
    "2001:db8::1",
  ]);
  assert.deepEqual(ipwrap(["2001:db8::1", "x", "192.0.2.1"]), ["[2001:db8::1]", "x", "192.0.2.1"]);
  assert.equal(render("['192.0.2.1', 'nope'] | ipaddr"), "['192.0.2.1']");
});

Deno.test("ipaddr queries as Ansible's", () => {
  assert.equal(ipaddrFilter("2001:db8:1:2::5/64", "network"), "2001:db8:1:2::");
  assert.equal(ipaddrFilter("2001:db8:1:2::5/64", "prefix"), 64);
  assert.equal(ipaddrFilter("2001:db8:1:2::/64", "net"), "2001:db8:1:2::/64");
  assert.equal(ipaddrFilter("2001:db8:1:2::5/64", "net"), null);
  assert.equal(ipaddrFilter("198.51.100.0/24", "netmask"), "255.255.255.0");
  assert.equal(ipaddrFilter("198.51.100.0/24", "hostmask"), "0.0.0.255");
  assert.equal(ipaddrFilter("2001:db8::/64", 1), "2001:db8::1/64");
  assert.equal(ipaddrFilter("2001:db8::/64", "first_usable"), "2001:db8::1");
  assert.equal(ipaddrFilter("2001:db8::/126", "last_usable"), "2001:db8::2");
  assert.equal(ipaddrFilter("198.51.100.0/24", "range_usable"), "198.51.100.1-198.51.100.254");
  assert.equal(ipaddrFilter("198.51.100.0/24", "size_usable"), 254);
  assert.equal(ipaddrFilter("198.51.100.7/24", "type"), "address");
  assert.equal(ipaddrFilter("198.51.100.0/24", "type"), "network");
  assert.equal(ipaddrFilter("2001:db8::1", "version"), 6);
  assert.equal(ipaddrFilter("198.51.100.1", "ipv6"), "::ffff:198.51.100.1/128");
  assert.equal(ipaddrFilter("::ffff:198.51.100.1", "ipv4"), "198.51.100.1/32");
  assert.equal(ipaddrFilter("fd00::1", "public"), null);
  assert.equal(ipaddrFilter("2606:4700::1", "public"), "2606:4700::1");
  assert.equal(ipaddrFilter("2001:db8::1", "private"), "2001:db8::1");
  assert.equal(ipaddrFilter("fe80::1", "link-local"), "fe80::1");
  assert.equal(ipaddrFilter("192.0.2.9", "192.0.2.0/24"), "192.0.2.9");
  assert.equal(ipaddrFilter("3232235777"), "192.168.1.1");
  assert.equal(ipaddrFilter("not an ip"), false);
  assert.throws(() => ipaddrFilter("2001:db8::1", "nonsense"), /unknown query/);
  assert.throws(() => ipaddrFilter("2001:db8::1", "first_usable"), /needs a network/);
});

Deno.test("ipsubnet, nthhost, ipmath, ipsuffix and the usable-address helpers", () => {
  assert.equal(ipsubnet("2001:db8:1200::/56", 64, 3), "2001:db8:1200:3::/64");
  assert.equal(ipsubnet("2001:db8:1200::/56", 64, -1), "2001:db8:1200:ff::/64");
  assert.equal(ipsubnet("2001:db8:1200::/56", 64), "256");
  assert.equal(ipsubnet("198.51.100.77/24"), "198.51.100.0/24");
  assert.equal(ipsubnet("198.51.100.77", 24), "198.51.100.0/24");
  assert.equal(ipsubnet("198.51.100.64/26", "198.51.100.0/24"), "2");
  assert.throws(() => ipsubnet("2001:db8:1200::/56", 64, 256), /ipsubnet: .*out of range/);
  assert.throws(() => ipsubnet("2001:db8:1200::/56", 48, 0), /shorter than/);
  assert.throws(() => ipsubnet("2001:db8:1200::/56", 129, 0), /more than 128/);
  assert.equal(nthhost("198.51.100.0/24", -2), "198.51.100.254");
  assert.equal(nthhost("198.51.100.0/24", "5"), "198.51.100.5");
  assert.throws(() => nthhost("198.51.100.0/24", 256), /nthhost: .*out of range/);
  assert.throws(() => nthhost("198.51.100.0/24", 1.5), /must be an integer/);
  assert.equal(ipmath("2001:db8::ffff", 1), "2001:db8::1:0");
  assert.equal(ipmath("198.51.100.1/24", -2), "198.51.99.255");
  assert.throws(() => ipmath("255.255.255.255", 1), /leaves the address space/);
  assert.equal(ipsuffix("2001:db8:1:2::77/64", "::abcd:1"), "2001:db8:1:2::abcd:1");
  assert.throws(() => ipsuffix("2001:db8:1:2::/64", "198.51.100.1"), /IPv4/);
  assert.equal(previousNthUsable("192.0.2.5/24", 4), "192.0.2.1");
  assert.throws(() => previousNthUsable("192.0.2.5/24", 5), /leaves the usable addresses/);
  assert.equal(networkInUsable("192.0.2.0/24", "192.0.2.254"), true);
  assert.equal(networkInUsable("192.0.2.0/24", "192.0.2.255"), false);
  assert.equal(networkInNetwork("192.0.2.0/31", "192.0.2.1"), true);
  assert.equal(networkInNetwork("0.0.0.0/0", "::1"), false);
  assert.deepEqual(usableRange("192.0.2.0/30"), {
    usable_ips: ["192.0.2.0", "192.0.2.1", "192.0.2.2", "192.0.2.3"],
    number_of_ips: 4,
  });
  assert.throws(() => usableRange("2001:db8::/64"), /more than 65536/);
});

Deno.test("tests: Ansible's ip/ipv4/ipv6 (no host bits) and ours", () => {
  assert.equal(ipTests.ip("192.0.2.0/24"), true);
  assert.equal(ipTests.ip("192.0.2.1/24"), false);
  assert.equal(ipTests.ipv4("198.51.100.1"), true);
  assert.equal(ipTests.ipv6("198.51.100.1"), false);
  assert.equal(ipTests.ipv6("::ffff:198.51.100.1"), true);
  assert.equal(ipTests.global_unicast("2001:db8:1200::"), true);
  assert.equal(ipTests.global_unicast("fd00::1"), false);
  assert.equal(ipTests.global_unicast("8.8.8.8"), true);
  assert.equal(ipTests.ula("fd00::1"), true);
  assert.equal(ipTests.link_local("fe80::1"), true);
  assert.equal(ipTests.link_local("169.254.1.1"), true);
  assert.equal(ipTests.link_local("169.254.001.001"), false);
});
