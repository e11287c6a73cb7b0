/**
 * Decoding cost of the lease decoders (`deno bench`): a typical DHCPv4 and DHCPv6 lease, and the
 * worst cases a lease file can hold within the 64 KiB a DHCP message can have (anything larger is
 * refused unread). Every row should stay well below 50 ms.
 */
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
import { MAX_LEASE_BYTES } from "./wire.ts";

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

/** A DHCPv4 message of at most 64 KiB: the header, option 51, then `option` repeated. */
function filled4(option: number[]): Uint8Array {
  const head = message4("198.51.100.23", [option4(51, uint(3600, 4))]);
  const room = MAX_LEASE_BYTES - head.length;
  const options = Array.from({ length: Math.floor(room / option.length) }, () => option);
  return message4("198.51.100.23", [option4(51, uint(3600, 4)), ...options]);
}

/** A DHCPv6 message of at most 64 KiB: `option` repeated. */
function filled6(option: number[]): Uint8Array {
  return message6(
    Array.from({ length: Math.floor((MAX_LEASE_BYTES - 4) / option.length) }, () => option),
  );
}

/** 255 bytes of one option's part, to be joined (RFC 3396) with the other parts. */
const part = (code: number, unit: number[]) =>
  option4(code, Array.from({ length: Math.floor(255 / unit.length) }, () => unit).flat());

/** Option 119: a long name, then names that are each a chain of pointers to the one before. */
function pointerChains(): number[] {
  const bytes = [...dnsName(`${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.d`)];
  for (let index = 0; bytes.length < 250; index++) {
    const target = index === 0 ? 0 : bytes.length - 2;
    bytes.push(0xc0 | (target >> 8), target & 0xff);
  }
  return option4(119, bytes);
}

/** IA_PDs full of delegated prefixes with host bits set (each masked with a warning). */
const prefixes = ia(
  25,
  900,
  1440,
  Array.from(
    { length: 300 },
    (_, index) => iaPrefix(`2001:db8:${index.toString(16)}::1`, 48, 1800, 3600),
  ),
);

const WORST = {
  dns4: filled4(part(6, addressBytes("198.51.100.2"))),
  search4: filled4(pointerChains()),
  routes4: filled4(part(121, [24, 10, 1, 2, ...addressBytes("198.51.100.1")])),
  prefixes6: filled6(prefixes),
  servers6: filled6([
    ...option6(23, addressBytes("2001:db8::53")),
    ...option6(31, addressBytes("fe80::123")),
    ...option6(56, option6(1, addressBytes("2001:db8::124"))),
  ]),
  search6: filled6(option6(24, dnsName("a.example.test"))),
};

Deno.bench("decode a DHCPv4 lease", () => {
  decodeLease4(lease4, source);
});

Deno.bench("decode a DHCPv6 lease with an address and a delegated prefix", () => {
  decodeLease6(lease6, source);
});

Deno.bench("worst case DHCPv4: 64 KiB of option 6 parts (16,000 DNS servers joined)", () => {
  decodeLease4(WORST.dns4, source);
});

Deno.bench("worst case DHCPv4: 64 KiB of option 119 compression pointer chains", () => {
  decodeLease4(WORST.search4, source);
});

Deno.bench("worst case DHCPv4: 64 KiB of classless static routes", () => {
  decodeLease4(WORST.routes4, source);
});

Deno.bench("worst case DHCPv6: 64 KiB of delegated prefixes, each with host bits (warned)", () => {
  decodeLease6(WORST.prefixes6, source);
});

Deno.bench("worst case DHCPv6: 64 KiB of DNS, link-local SNTP and NTP servers", () => {
  decodeLease6(WORST.servers6, { ...source, interface: "eth0" });
});

Deno.bench("worst case DHCPv6: 64 KiB of search list options", () => {
  decodeLease6(WORST.search6, source);
});
