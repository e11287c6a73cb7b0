/**
 * Strict IP address and network text, as integers: the parsers and printers the IP helpers
 * (`ip.ts`) build on. Two readers, because Ansible's filters use two libraries:
 *
 * - {@link parseNetaddr}: netaddr's `IPNetwork` with `INET_PTON` (what the `ipaddr` family uses):
 *   IPv4 only as dotted-quad decimal without leading zeros, IPv6 as glibc's `inet_pton`, a prefix
 *   length or a netmask/hostmask after `/`; no zone IDs, no surrounding whitespace.
 * - {@link parsePythonNetwork}: Python's `ipaddress.ip_network(text)` (strict: no host bits),
 *   which Ansible's `ip`/`ipv4`/`ipv6` tests and `usable_range` use; it allows an IPv6 zone ID.
 *
 * No lenient `inet_aton` forms (`1.2.3`, `0x0a.0.0.1`, `010.0.0.1`) are ever addresses. Pure.
 *
 * @module
 */
import { parsePyInt } from "./python.ts";

/** An address with a prefix length (host bits kept), as netaddr's `IPNetwork`. */
export interface IpNetwork {
  readonly version: 4 | 6;
  /** The address as an unsigned integer. */
  readonly value: bigint;
  /** Prefix length, 0..32 or 0..128. */
  readonly prefixlen: number;
}

/** Address width in bits: 32 or 128. */
export function width(version: 4 | 6): number {
  return version === 4 ? 32 : 128;
}

/** The largest address of a version: 2^32 - 1 or 2^128 - 1. */
export function maxValue(version: 4 | 6): bigint {
  return (1n << BigInt(width(version))) - 1n;
}

/** The host mask of a network as an integer (`0.0.0.255` for a /24). */
export function hostmask(net: IpNetwork): bigint {
  return (1n << BigInt(width(net.version) - net.prefixlen)) - 1n;
}

/** The netmask of a network as an integer (`255.255.255.0` for a /24). */
export function netmask(net: IpNetwork): bigint {
  return maxValue(net.version) ^ hostmask(net);
}

/** The first address (network address) of a network. */
export function first(net: IpNetwork): bigint {
  return net.value & netmask(net);
}

/** The last address of a network. */
export function last(net: IpNetwork): bigint {
  return net.value | hostmask(net);
}

/** How many addresses the network has. */
export function size(net: IpNetwork): bigint {
  return 1n << BigInt(width(net.version) - net.prefixlen);
}

/** IPv4 dotted quad as glibc's `inet_pton` reads it: four decimal octets, no leading zeros. */
export function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

/**
 * IPv6 text as glibc's `inet_pton` reads it: up to eight groups of 1–4 hex digits, one `::`, an
 * optional dotted quad as the last 32 bits (`::192.0.2.1`, `::ffff:192.0.2.1`).
 */
export function parseIpv6(text: string): bigint | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string): bigint[] | undefined => {
    if (half === "") return [];
    const parts = half.split(":");
    const words: bigint[] = [];
    for (const [index, part] of parts.entries()) {
      if (index === parts.length - 1 && part.includes(".")) {
        const ipv4 = parseIpv4(part);
        if (ipv4 === undefined) return undefined;
        words.push(ipv4 >> 16n, ipv4 & 0xffffn);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) words.push(BigInt(`0x${part}`));
      else return undefined;
    }
    return words;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (head === undefined || tail === undefined) return undefined;
  // An embedded IPv4 address ends the text; it cannot stand before the `::`.
  if (halves.length === 2 && halves[0].includes(".")) return undefined;
  const count = head.length + tail.length;
  if (halves.length === 2 ? count > 7 : count !== 8) return undefined;
  const words = [...head, ...Array(8 - count).fill(0n), ...tail];
  return words.reduce((value, word) => (value << 16n) | word, 0n);
}

function parseAddress(version: 4 | 6, text: string): bigint | undefined {
  return version === 4 ? parseIpv4(text) : parseIpv6(text);
}

/** Whether `value` is a netmask: contiguous one bits from the top (all zeros counts). */
function isNetmask(version: 4 | 6, value: bigint): boolean {
  const inverted = (value ^ maxValue(version)) + 1n;
  return (inverted & (inverted - 1n)) === 0n;
}

/** Whether `value` is a host mask: contiguous one bits from the bottom (all zeros counts). */
function isHostmask(value: bigint): boolean {
  const next = value + 1n;
  return (next & (next - 1n)) === 0n;
}

/** Counts the one bits of a contiguous mask. */
function maskBits(value: bigint): number {
  let bits = 0;
  for (let rest = value; rest > 0n; rest >>= 1n) bits += Number(rest & 1n);
  return bits;
}

/** Reads `address[/prefix]` of one version as netaddr's `parse_ip_network` does. */
function parseNetaddrVersion(version: 4 | 6, text: string): IpNetwork | undefined {
  const slash = text.indexOf("/");
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const value = parseAddress(version, addressText);
  if (value === undefined) return undefined;
  if (slash < 0) return { version, value, prefixlen: width(version) };
  const prefixText = text.slice(slash + 1);
  // Python's int(): whitespace, a sign and underscores are allowed.
  const integer = parsePyInt(prefixText);
  let prefixlen: number;
  if (integer !== undefined) {
    if (integer < 0n || integer > BigInt(width(version))) return undefined;
    prefixlen = Number(integer);
  } else {
    const mask = parseAddress(version, prefixText);
    if (mask === undefined) return undefined;
    if (isNetmask(version, mask)) prefixlen = maskBits(mask);
    else if (isHostmask(mask)) prefixlen = width(version) - maskBits(mask);
    else return undefined;
  }
  return { version, value, prefixlen };
}

/**
 * netaddr's `IPNetwork(text)` with `INET_PTON`: an IPv4 or IPv6 address with an optional
 * `/prefix`, `/netmask` or `/hostmask`; undefined when it is not one.
 */
export function parseNetaddr(text: string): IpNetwork | undefined {
  return parseNetaddrVersion(4, text) ?? parseNetaddrVersion(6, text);
}

/** Python's `IPv4Address(text)`: four decimal octets of 1–3 ASCII digits, no leading zeros. */
function parsePythonIpv4(text: string): bigint | undefined {
  return parseIpv4(text);
}

/** Python's `IPv6Address(text)`: as `inet_pton`, plus an optional non-empty `%zone`. */
function parsePythonIpv6(text: string): bigint | undefined {
  const percent = text.indexOf("%");
  if (percent >= 0) {
    const zone = text.slice(percent + 1);
    if (zone === "" || zone.includes("%")) return undefined;
    return parseIpv6(text.slice(0, percent));
  }
  return parseIpv6(text);
}

/**
 * Python's `ipaddress.ip_network(text)` (strict): an address, or an address with a prefix length
 * (IPv4 also a netmask or host mask) and no host bits set; undefined when it raises.
 */
export function parsePythonNetwork(text: string): IpNetwork | undefined {
  const parts = text.split("/");
  if (parts.length > 2) return undefined;
  const [addressText, prefixText] = parts;
  for (const version of [4, 6] as const) {
    const value = version === 4 ? parsePythonIpv4(addressText) : parsePythonIpv6(addressText);
    if (value === undefined) continue;
    let prefixlen = width(version);
    if (prefixText !== undefined) {
      if (/^[0-9]+$/.test(prefixText)) {
        if (Number(prefixText) > width(version)) return undefined;
        prefixlen = Number(prefixText);
      } else {
        const mask = version === 4 ? parsePythonIpv4(prefixText) : undefined;
        if (mask === undefined) return undefined;
        if (isNetmask(4, mask)) prefixlen = maskBits(mask);
        else if (isHostmask(mask)) prefixlen = 32 - maskBits(mask);
        else return undefined;
      }
    }
    const net = { version, value, prefixlen };
    return (value & hostmask(net)) === 0n ? net : undefined;
  }
  return undefined;
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
}

/** IPv6 groups with the first longest run (two or more) of zero groups as `::`. */
function compressGroups(words: number[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let index = 0; index < words.length;) {
    if (words[index] !== 0) {
      index++;
      continue;
    }
    let end = index;
    while (end < words.length && words[end] === 0) end++;
    if (end - index > bestLength) [bestStart, bestLength] = [index, end - index];
    index = end;
  }
  const hex = words.map((word) => word.toString(16));
  if (bestLength < 2) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

function ipv6Words(value: bigint): number[] {
  return Array.from(
    { length: 8 },
    (_, index) => Number((value >> BigInt(112 - 16 * index)) & 0xffffn),
  );
}

/**
 * An address as netaddr prints it: IPv4 dotted quad; IPv6 as glibc's `inet_ntop` (RFC 5952
 * compression, lower case; IPv4-mapped `::ffff:192.0.2.1` and IPv4-compatible `::192.0.2.1` keep
 * their dotted quad).
 */
export function formatAddress(version: 4 | 6, value: bigint): string {
  if (version === 4) return formatIpv4(value);
  const words = ipv6Words(value);
  const zeroPrefix = words.findIndex((word) => word !== 0);
  if (zeroPrefix === 6 || (zeroPrefix === 5 && words[5] === 0xffff)) {
    return `${zeroPrefix === 6 ? "::" : "::ffff:"}${formatIpv4(value & 0xffffffffn)}`;
  }
  return compressGroups(words);
}

/** An address as Python's `ipaddress` prints it (IPv6 always in hex groups). */
export function formatPythonAddress(version: 4 | 6, value: bigint): string {
  return version === 4 ? formatIpv4(value) : compressGroups(ipv6Words(value));
}

/** A network as netaddr prints it: `address/prefix`, host bits kept. */
export function formatNetwork(net: IpNetwork): string {
  return `${formatAddress(net.version, net.value)}/${net.prefixlen}`;
}
