import assert from "node:assert/strict";
import {
  ipaddrFilter,
  IpHelperError,
  ipmath,
  ipsubnet,
  ipsuffix,
  ipTests,
  ipwrap,
  networkInNetwork,
  nthhost,
} from "./ip.ts";

Deno.test("ipsubnet carves a delegated prefix by index, counts, and refuses out-of-range", () => {
  assert.equal(ipsubnet("2001:db8:1200::/56", 64, 3), "2001:db8:1200:3::/64");
  assert.equal(ipsubnet("2001:db8:1200::/56", 64, -1), "2001:db8:1200:ff::/64");
  assert.equal(ipsubnet("2001:db8:1200::/56", 64), 256);
  assert.equal(ipsubnet("198.51.100.0/24", 26, 2), "198.51.100.128/26");
  assert.equal(ipsubnet("2001:db8::/32", 64), 4294967296);
  assert.equal(ipsubnet("2001:db8::/32", 128), 2n ** 96n);
  assert.throws(
    () => ipsubnet("2001:db8:1200::/56", 64, 256),
    /ipsubnet: .*2001:db8:1200::\/56.*out of range/,
  );
  assert.throws(() => ipsubnet("2001:db8:1200::/56", 48, 0), IpHelperError);
  assert.throws(() => ipsubnet("2001:db8:1200::/56", 129, 0), /between 56 and 128/);
  assert.throws(() => ipsubnet("2001:db8::/129", 64, 0), /prefix length must be 0..128/);
});

Deno.test("nthhost, ipmath and ipsuffix do address arithmetic with BigInt", () => {
  assert.equal(nthhost("2001:db8:1:2::/64", 1), "2001:db8:1:2::1");
  assert.equal(nthhost("2001:db8:1:2::/64", -1), "2001:db8:1:2:ffff:ffff:ffff:ffff");
  assert.equal(nthhost("198.51.100.0/24", -2), "198.51.100.254");
  assert.throws(() => nthhost("198.51.100.0/24", 256), /nthhost: .*out of range/);
  assert.equal(ipmath("198.51.100.1", 5), "198.51.100.6");
  assert.equal(ipmath("2001:db8::ffff", 1), "2001:db8::1:0");
  assert.throws(() => ipmath("255.255.255.255", 1), /leaves the address space/);
  assert.equal(ipsuffix("2001:db8:1:2::/64", "::1"), "2001:db8:1:2::1");
  assert.equal(ipsuffix("2001:db8:1:2::77/64", "::abcd:1"), "2001:db8:1:2::abcd:1");
  assert.throws(() => ipsuffix("2001:db8:1:2::/64", "198.51.100.1"), /IPv4/);
});

Deno.test("ipaddr queries follow Ansible", () => {
  assert.equal(ipaddrFilter("2001:db8:1:2::5/64", "network"), "2001:db8:1:2::");
  assert.equal(ipaddrFilter("2001:db8:1:2::5/64", "prefix"), 64);
  assert.equal(ipaddrFilter("2001:db8:1:2::5/64", "net"), "2001:db8:1:2::/64");
  assert.equal(ipaddrFilter("2001:db8:1:2::5/64", "address"), "2001:db8:1:2::5");
  assert.equal(ipaddrFilter("198.51.100.0/24", "size"), 256);
  assert.equal(ipaddrFilter("198.51.100.0/24", "netmask"), "255.255.255.0");
  assert.equal(ipaddrFilter("198.51.100.0/24", "broadcast"), "198.51.100.255");
  assert.equal(ipaddrFilter("2001:db8::/64", 1), "2001:db8::1/64");
  assert.equal(ipaddrFilter("not an ip"), false);
  assert.equal(ipaddrFilter("2001:DB8:0:0::1"), "2001:db8::1");
  assert.equal(ipaddrFilter("fd00::1", "public"), false);
  assert.equal(ipaddrFilter("2001:db8::1", "public"), "2001:db8::1");
  assert.equal(ipaddrFilter("fd12::1", "private"), "fd12::1");
  assert.throws(() => ipaddrFilter("2001:db8::1", "nonsense"), /unknown query/);
});

Deno.test("tests tell global unicast, ULA and link-local apart", () => {
  assert.equal(ipTests.global_unicast("2001:db8:1200::"), true);
  assert.equal(ipTests.global_unicast("fd00::1"), false);
  assert.equal(ipTests.ula("fd00::1"), true);
  assert.equal(ipTests.link_local("fe80::1"), true);
  assert.equal(ipTests.link_local("169.254.1.1"), true);
  assert.equal(ipTests.ipv4("198.51.100.1"), true);
  assert.equal(ipTests.ipv6("198.51.100.1"), false);
  assert.equal(ipTests.ip("nope"), false);
  assert.equal(networkInNetwork("2001:db8::/32", "2001:db8:1::/48"), true);
  assert.equal(networkInNetwork("2001:db8:1::/48", "2001:db8::/32"), false);
  assert.equal(ipwrap("2001:db8::1"), "[2001:db8::1]");
  assert.equal(ipwrap("198.51.100.1"), "198.51.100.1");
});
