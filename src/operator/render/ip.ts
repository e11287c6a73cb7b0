/**
 * IP and CIDR helpers for templates (IPv4 and IPv6, BigInt arithmetic, RFC 5952 output). Where
 * they overlap they follow Ansible's `ansible.utils` filters `ipaddr`, `ipsubnet`, `nthhost`,
 * `ipmath` and `network_in_network`. Every misuse throws an {@link IpHelperError} naming the
 * helper and the value. Pure.
 *
 * @module
 */
import ipaddr from "ipaddr.js";

/** A helper was called with a value or argument it cannot work with. */
export class IpHelperError extends Error {
  /** Creates the error: `helper` is the filter's name, `value` what it was given. */
  constructor(helper: string, value: unknown, detail: string) {
    const shown = JSON.stringify(value) ?? String(value);
    super(
      `${helper}: cannot use ${shown.length > 80 ? `${shown.slice(0, 77)}...` : shown}: ${detail}`,
    );
    this.name = "IpHelperError";
  }
}

/** An address with a prefix length, as integers. */
interface Cidr {
  version: 4 | 6;
  /** The address as given (host bits kept). */
  address: bigint;
  /** Prefix length. */
  len: number;
  /** Address width: 32 or 128. */
  bits: number;
}

function parse(helper: string, value: unknown): Cidr {
  if (typeof value !== "string") {
    throw new IpHelperError(helper, value, "expected an IP address or CIDR string");
  }
  const [text, lenText, extra] = value.trim().split("/");
  if (extra !== undefined || !ipaddr.isValid(text)) {
    throw new IpHelperError(helper, value, "not an IP address or CIDR");
  }
  const parsed = ipaddr.parse(text);
  const version = parsed.kind() === "ipv4" ? 4 : 6;
  const bits = version === 4 ? 32 : 128;
  let len = bits;
  if (lenText !== undefined) {
    if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > bits) {
      throw new IpHelperError(helper, value, `prefix length must be 0..${bits}`);
    }
    len = Number(lenText);
  }
  const address = parsed.toByteArray().reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
  return { version, address, len, bits };
}

function mask(cidr: Cidr): bigint {
  const hostBits = BigInt(cidr.bits - cidr.len);
  return ((1n << BigInt(cidr.bits)) - 1n) ^ ((1n << hostBits) - 1n);
}

function network(cidr: Cidr): bigint {
  return cidr.address & mask(cidr);
}

function size(cidr: Cidr): bigint {
  return 1n << BigInt(cidr.bits - cidr.len);
}

/** Formats an address integer canonically (IPv6 per RFC 5952). */
function format(version: 4 | 6, address: bigint): string {
  const bytes: number[] = [];
  for (let i = version === 4 ? 3 : 15; i >= 0; i--) {
    bytes.push(Number((address >> BigInt(8 * i)) & 0xffn));
  }
  const parsed = ipaddr.fromByteArray(bytes);
  return parsed.kind() === "ipv6" ? (parsed as ipaddr.IPv6).toRFC5952String() : parsed.toString();
}

/** A number for small values, a BigInt when it does not fit a double exactly. */
function count(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function toIndex(helper: string, value: unknown, index: unknown): bigint {
  if (typeof index === "bigint") return index;
  if (typeof index === "number" && Number.isInteger(index)) return BigInt(index);
  if (typeof index === "string" && /^-?\d+$/.test(index)) return BigInt(index);
  // A boxed float (5.0) shows as Python prints it.
  const shown = typeof index === "object" && index !== null ? String(index) : JSON.stringify(index);
  throw new IpHelperError(helper, value, `index ${shown} is not an integer`);
}

function range(cidr: Cidr): string {
  if (cidr.version === 4) {
    return ipaddr.IPv4.parse(format(4, cidr.address)).range();
  }
  return ipaddr.IPv6.parse(format(6, cidr.address)).range();
}

function isGlobalUnicast(cidr: Cidr): boolean {
  if (cidr.version === 6) return cidr.address >> 125n === 1n; // 2000::/3
  return range(cidr) === "unicast";
}

function isUla(cidr: Cidr): boolean {
  return cidr.version === 6 && cidr.address >> 121n === 0x7en; // fc00::/7
}

function isLinkLocal(cidr: Cidr): boolean {
  return range(cidr) === "linkLocal";
}

function isPrivate(cidr: Cidr): boolean {
  return cidr.version === 4 ? range(cidr) === "private" : isUla(cidr);
}

/**
 * `ipaddr(query)`: validates and queries an address or network. Without a query it returns the
 * value when it is an IP address or CIDR and `false` otherwise (like Ansible). Queries:
 * `address`, `network`, `prefix`, `size`, `net` / `subnet` / `cidr` / `network/prefix`,
 * `host` / `host/prefix`, `netmask`, `broadcast`, `first_usable`, `last_usable`, `ipv4`, `ipv6`,
 * `public` / `global`, `private`, `link-local`, `ula`; an integer N gives the Nth address of the
 * network with its prefix length (`'2001:db8::/64' | ipaddr(1)` → `2001:db8::1/64`).
 */
export function ipaddrFilter(value: unknown, query: unknown = ""): unknown {
  let cidr: Cidr;
  try {
    cidr = parse("ipaddr", value);
  } catch (error) {
    if (query === "" || typeof query === "string") return false;
    throw error;
  }
  if (typeof query === "number" || typeof query === "bigint") {
    const address = nth("ipaddr", value, cidr, toIndex("ipaddr", value, query));
    return `${format(cidr.version, address)}/${cidr.len}`;
  }
  const withLen = (address: bigint) => `${format(cidr.version, address)}/${cidr.len}`;
  switch (query) {
    case "":
      return cidr.len === cidr.bits && !String(value).includes("/")
        ? format(cidr.version, cidr.address)
        : withLen(cidr.address);
    case "address":
      return format(cidr.version, cidr.address);
    case "network":
      return format(cidr.version, network(cidr));
    case "prefix":
      return cidr.len;
    case "size":
      return count(size(cidr));
    case "net":
    case "subnet":
    case "cidr":
    case "network/prefix":
      return withLen(network(cidr));
    case "host":
    case "host/prefix":
      return withLen(cidr.address);
    case "netmask":
      return format(cidr.version, mask(cidr));
    case "broadcast":
      return cidr.version === 4 ? format(4, network(cidr) + size(cidr) - 1n) : false;
    case "first_usable":
      return format(
        cidr.version,
        network(cidr) + (cidr.version === 4 && size(cidr) > 2n ? 1n : 0n),
      );
    case "last_usable":
      return format(
        cidr.version,
        network(cidr) + size(cidr) - (cidr.version === 4 && size(cidr) > 2n ? 2n : 1n),
      );
    case "ipv4":
      return cidr.version === 4 ? value : false;
    case "ipv6":
      return cidr.version === 6 ? value : false;
    case "public":
    case "global":
      return isGlobalUnicast(cidr) ? value : false;
    case "private":
      return isPrivate(cidr) ? value : false;
    case "link-local":
      return isLinkLocal(cidr) ? value : false;
    case "ula":
      return isUla(cidr) ? value : false;
    default:
      throw new IpHelperError("ipaddr", value, `unknown query ${JSON.stringify(query)}`);
  }
}

function nth(helper: string, value: unknown, cidr: Cidr, index: bigint): bigint {
  const total = size(cidr);
  const offset = index < 0n ? total + index : index;
  if (offset < 0n || offset >= total) {
    throw new IpHelperError(
      helper,
      value,
      `index ${index} is out of range (the network has ${total} addresses)`,
    );
  }
  return network(cidr) + offset;
}

/**
 * `ipsubnet(length, index)`: the `index`-th subnet of the given length inside the network
 * (negative counts from the end): `'2001:db8:1200::/56' | ipsubnet(64, 3)` →
 * `2001:db8:1200:3::/64`. Without an index: how many such subnets fit (`ipsubnet(64)` → 256).
 */
export function ipsubnet(value: unknown, length: unknown, index?: unknown): unknown {
  const cidr = parse("ipsubnet", value);
  const newLength = Number(toIndex("ipsubnet", value, length));
  if (newLength < cidr.len || newLength > cidr.bits || newLength === 0) {
    throw new IpHelperError(
      "ipsubnet",
      value,
      `subnet length ${newLength} must be between ${Math.max(cidr.len, 1)} and ${cidr.bits}`,
    );
  }
  const subnets = 1n << BigInt(newLength - cidr.len);
  if (index === undefined) return count(subnets);
  const wanted = toIndex("ipsubnet", value, index);
  const offset = wanted < 0n ? subnets + wanted : wanted;
  if (offset < 0n || offset >= subnets) {
    throw new IpHelperError(
      "ipsubnet",
      value,
      `index ${wanted} is out of range (${subnets} subnets of /${newLength} fit)`,
    );
  }
  const start = network(cidr) + (offset << BigInt(cidr.bits - newLength));
  return `${format(cidr.version, start)}/${newLength}`;
}

/**
 * `nthhost(n)`: the `n`-th address of the network (0 is the network address, negative counts
 * from the end): `'2001:db8:1::/64' | nthhost(1)` → `2001:db8:1::1`.
 */
export function nthhost(value: unknown, index: unknown): string {
  const cidr = parse("nthhost", value);
  return format(cidr.version, nth("nthhost", value, cidr, toIndex("nthhost", value, index)));
}

/** `ipmath(n)`: the address plus `n` (may be negative): `'198.51.100.1' | ipmath(5)` → `198.51.100.6`. */
export function ipmath(value: unknown, amount: unknown): string {
  const cidr = parse("ipmath", value);
  const result = cidr.address + toIndex("ipmath", value, amount);
  if (result < 0n || result >= 1n << BigInt(cidr.bits)) {
    throw new IpHelperError("ipmath", value, `adding ${amount} leaves the address space`);
  }
  return format(cidr.version, result);
}

/**
 * `ipsuffix(suffix)`: the network's prefix with a fixed host part:
 * `'2001:db8:1:2::/64' | ipsuffix('::1')` → `2001:db8:1:2::1`. Bits of the suffix inside the
 * prefix are ignored.
 */
export function ipsuffix(value: unknown, suffix: unknown): string {
  const cidr = parse("ipsuffix", value);
  const host = parse("ipsuffix", suffix);
  if (host.version !== cidr.version) {
    throw new IpHelperError(
      "ipsuffix",
      suffix,
      `is IPv${host.version}, the prefix IPv${cidr.version}`,
    );
  }
  const hostMask = (1n << BigInt(cidr.bits - cidr.len)) - 1n;
  return format(cidr.version, network(cidr) | (host.address & hostMask));
}

/** `network_in_network(other)`: whether `other` (address or network) lies inside the network. */
export function networkInNetwork(value: unknown, other: unknown): boolean {
  const outer = parse("network_in_network", value);
  const inner = parse("network_in_network", other);
  if (outer.version !== inner.version || inner.len < outer.len) return false;
  return (inner.address & mask(outer)) === network(outer);
}

/** `ipwrap`: IPv6 addresses in brackets (for URLs and host:port), anything else unchanged. */
export function ipwrap(value: unknown): unknown {
  try {
    const cidr = parse("ipwrap", value);
    return cidr.version === 6 && !String(value).includes("/") ? `[${value}]` : value;
  } catch {
    return value;
  }
}

/** Template tests: `is ip`, `is ipv4`, `is ipv6`, `is global_unicast`, `is ula`, `is link_local`. */
export const ipTests: Record<string, (value: unknown) => boolean> = {
  ip: (value) => test(value, () => true),
  ipv4: (value) => test(value, (cidr) => cidr.version === 4),
  ipv6: (value) => test(value, (cidr) => cidr.version === 6),
  global_unicast: (value) => test(value, isGlobalUnicast),
  ula: (value) => test(value, isUla),
  link_local: (value) => test(value, isLinkLocal),
};

function test(value: unknown, predicate: (cidr: Cidr) => boolean): boolean {
  try {
    return predicate(parse("test", value));
  } catch {
    return false;
  }
}

/** The IP filters by their template names. */
export const ipFilters: Record<string, (...args: unknown[]) => unknown> = {
  ipaddr: (value, query) => ipaddrFilter(value, query),
  ipsubnet: (value, length, index) => ipsubnet(value, length, index),
  nthhost: (value, index) => nthhost(value, index),
  ipmath: (value, amount) => ipmath(value, amount),
  ipsuffix: (value, suffix) => ipsuffix(value, suffix),
  network_in_network: (value, other) => networkInNetwork(value, other),
  ipwrap: (value) => ipwrap(value),
};
