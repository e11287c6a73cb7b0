/** Decoding cost of one DHCPv4 and one DHCPv6 lease (`deno bench`). */
import { decodeLease4 } from "./dhcp4.ts";
import { decodeLease6 } from "./dhcp6.ts";
import {
  addressBytes,
  dnsName,
  ia,
  iaAddress,
  iaPrefix,
  message4,
  message6,
  option4,
  option6,
  uint,
} from "./test_messages.ts";

const source = { file: "eth0.lease", obtainedAt: new Date("2026-11-24T12:00:00Z") };
const lease4 = message4("198.51.100.23", [
  option4(1, addressBytes("255.255.255.0")),
  option4(3, addressBytes("198.51.100.1")),
  option4(6, [...addressBytes("198.51.100.2"), ...addressBytes("198.51.100.3")]),
  option4(15, [...new TextEncoder().encode("example.test")]),
  option4(119, dnsName("lab.example.test")),
  option4(51, uint(3600, 4)),
  option4(54, addressBytes("198.51.100.1")),
]);
const lease6 = message6([
  option6(2, [0, 1, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
  ia(3, 900, 1440, [iaAddress("2001:db8::17", 1800, 3600)]),
  ia(25, 900, 1440, [iaPrefix("2001:db8:1200::", 56, 1800, 3600)]),
  option6(23, [...addressBytes("2001:db8::53"), ...addressBytes("2001:db8::54")]),
  option6(24, dnsName("example.test")),
]);

Deno.bench("decode a DHCPv4 lease", () => {
  decodeLease4(lease4, source);
});

Deno.bench("decode a DHCPv6 lease with an address and a delegated prefix", () => {
  decodeLease6(lease6, source);
});
