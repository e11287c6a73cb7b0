/**
 * IP and CIDR helpers for templates, named after and behaving as Ansible's `ansible.utils`
 * filters (`ipaddr` and its queries, `ipv4`, `ipv6`, `ipsubnet`, `nthhost`, `ipmath`, `ipwrap`,
 * `network_in_network`, `network_in_usable`, `next_nth_usable`, `previous_nth_usable`,
 * `usable_range`, the `ip`/`ipv4`/`ipv6` tests), plus our own `ipsuffix` and tests. Integers are
 * exact (BigInt past 2^53) in and out. Where we deliberately differ from Ansible (a misuse fails
 * the render instead of giving `False`, …), `ip_differences.ts` lists it; the render README's
 * table shows that list. Every misuse throws an {@link IpHelperError} naming the helper and the
 * value. Pure.
 *
 * @module
 */
import ipaddr from "ipaddr.js";
import {
  first,
  formatAddress,
  formatNetwork,
  formatPythonAddress,
  hostmask,
  type IpNetwork,
  last,
  maxValue,
  netmask,
  parseNetaddr,
  parsePythonNetwork,
  size,
  width,
} from "./ip_address.ts";
import {
  isPlainObject,
  isPyFloat,
  isPyInt,
  isSafeString,
  parsePyFloat,
  parsePyInt,
  pyInt,
  PyIterator,
  pyRepr,
  pyStr,
  pyTruthy,
  PyTuple,
  toBigInt,
} from "./python.ts";

/** A helper was called with a value or argument it cannot work with. */
export class IpHelperError extends Error {
  /** Creates the error: `helper` is the filter's name, `value` what it was given (as Python shows it). */
  constructor(helper: string, value: unknown, detail: string) {
    const shown = pyRepr(value);
    super(
      `${helper}: cannot use ${shown.length > 80 ? `${shown.slice(0, 77)}...` : shown}: ${detail}`,
    );
    this.name = "IpHelperError";
  }
}

/** The most addresses `usable_range` lists (Ansible would try to list a /64). */
export const USABLE_RANGE_LIMIT = 65_536;

// ---- values and arguments -------------------------------------------------------------------

function isText(value: unknown): boolean {
  return typeof value === "string" || isSafeString(value);
}

function isList(value: unknown): boolean {
  return Array.isArray(value) || value instanceof PyIterator;
}

function items(value: unknown): unknown[] {
  return value instanceof PyIterator ? value.drain() : [...(value as unknown[])];
}

/** A filter's arguments by name: positional ones in `names` order, then keywords. */
function bind(
  helper: string,
  names: readonly string[],
  args: unknown[],
  keywordOnly: readonly string[] = [],
): Record<string, unknown> {
  const last = args.at(-1);
  const keywords = isPlainObject(last) && last.__keywords === true ? last : undefined;
  let positional = keywords ? args.slice(0, -1) : args;
  // Ansible's ipwrap reads only its value by position and drops the rest.
  if (keywordOnly.length) positional = positional.slice(0, names.length);
  if (positional.length > names.length) {
    throw new IpHelperError(helper, positional, `takes at most ${names.length} argument(s)`);
  }
  const bound: Record<string, unknown> = {};
  positional.forEach((value, index) => bound[names[index]] = value);
  for (const [name, value] of Object.entries(keywords ?? {})) {
    if (name === "__keywords") continue;
    if (!names.includes(name) && !keywordOnly.includes(name)) {
      const all = [...names, ...keywordOnly].join(", ");
      throw new IpHelperError(helper, name, `unknown argument (it takes ${all})`);
    }
    if (Object.hasOwn(bound, name)) {
      throw new IpHelperError(helper, name, "argument given twice");
    }
    bound[name] = value;
  }
  return bound;
}

/** A string argument as Ansible converts it (None is "not given"). */
function textArgument(value: unknown, fallback: string): string {
  if (value === undefined || value === null) return fallback;
  return isText(value) ? String(value) : pyStr(value);
}

/**
 * An integer argument as Ansible's argument validation converts it: ints (True is 1), integral
 * floats, and integer text as Python's `int()` reads it (`'3'`); anything else is a misuse.
 */
function intArgument(helper: string, name: string, value: unknown): bigint {
  if (isPyInt(value)) return toBigInt(value);
  if (isPyFloat(value) && Number.isInteger(Number(value))) return BigInt(Number(value));
  const parsed = isText(value) ? parsePyInt(String(value)) : undefined;
  if (parsed === undefined) throw new IpHelperError(helper, value, `${name} must be an integer`);
  return parsed;
}

/** The address or network text of a str-typed `value` (an int is read as its digits). */
function valueText(helper: string, value: unknown): string {
  if (isText(value)) return String(value);
  if (isPyInt(value) && typeof value !== "boolean") return String(toBigInt(value));
  throw new IpHelperError(helper, value, "expected an IP address or network string");
}

// ---- reading a value as Ansible's ipaddr does -----------------------------------------------

/** A value `ipaddr` recognised. */
interface Recognised {
  net: IpNetwork;
  /** `address` when given without a prefix length, else `network`. */
  vtype: "address" | "network";
  /** The value as given, or its CIDR text when it was an integer. */
  value: unknown;
}

function fromInteger(integer: bigint, version: number): IpNetwork | undefined {
  const order: (4 | 6)[] = version === 6 ? [6] : [4, 6];
  for (const candidate of order) {
    if (integer <= maxValue(candidate)) {
      return { version: candidate, value: integer, prefixlen: width(candidate) };
    }
  }
  return undefined;
}

/** `ipaddr`'s reading of a single value: an address, a CIDR, an integer or `int/prefix`. */
function recognise(value: unknown, version: number): Recognised | undefined {
  if (!pyTruthy(value) || value === true) return undefined;
  let text: string;
  if (isPyInt(value)) text = String(toBigInt(value));
  else if (isText(value)) text = String(value);
  else return undefined;
  if (/^[0-9]+$/.test(text)) {
    const net = fromInteger(BigInt(text), version);
    return net && { net, vtype: "address", value: formatNetwork(net) };
  }
  if (!isText(value)) return undefined;
  const net = parseNetaddr(text);
  if (net) return { net, vtype: text.split("/").length === 2 ? "network" : "address", value };
  // An integer with a prefix length: `3232235776/24`.
  const parts = text.split("/");
  if (parts.length !== 2) return undefined;
  const [integer, prefix] = parts.map((part) => parsePyInt(part));
  if (integer === undefined || prefix === undefined || integer < 0n || prefix < 0n) {
    return undefined;
  }
  for (const candidate of [4, 6] as const) {
    if (integer <= maxValue(candidate) && prefix <= BigInt(width(candidate))) {
      const cidr = { version: candidate, value: integer, prefixlen: Number(prefix) };
      return { net: cidr, vtype: "network", value: formatNetwork(cidr) };
    }
  }
  return undefined;
}

// ---- address properties (netaddr's) ---------------------------------------------------------

/** Networks by their CIDR text, parsed once (the helpers' own tables). */
function networks(...cidrs: string[]): IpNetwork[] {
  return cidrs.map((cidr) => parseNetaddr(cidr)!);
}

function within(value: bigint, version: 4 | 6, net: IpNetwork): boolean {
  return net.version === version && (value & netmask(net)) === first(net);
}

const NOT_GLOBAL = networks(
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.0.170/31",
  "192.0.2.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "240.0.0.0/4",
  "255.255.255.255/32",
  "::1/128",
  "::/128",
  "::ffff:0:0/96",
  "64:ff9b:1::/48",
  "100::/64",
  "2001::/23",
  "2001:db8::/32",
  "2002::/16",
  "fc00::/7",
  "fe80::/10",
);
const GLOBAL_EXCEPTIONS = networks(
  "192.0.0.9/32",
  "192.0.0.10/32",
  "2001:1::1/128",
  "2001:1::2/128",
  "2001:3::/32",
  "2001:4:112::/48",
  "2001:20::/28",
  "2001:30::/28",
);
const [MULTICAST4, MULTICAST6, LOOPBACK4, LOOPBACK6, LINK_LOCAL4, LINK_LOCAL6, SIX_TO_FOUR] =
  networks(
    "224.0.0.0/4",
    "ff00::/8",
    "127.0.0.0/8",
    "::1/128",
    "169.254.0.0/16",
    "fe80::/10",
    "2002::/16",
  );

/** netaddr's `is_global()`: not in IANA's special-purpose registries (or listed as global). */
function isGlobal(version: 4 | 6, value: bigint): boolean {
  return !NOT_GLOBAL.some((net) => within(value, version, net)) ||
    GLOBAL_EXCEPTIONS.some((net) => within(value, version, net));
}

function isMulticast(version: 4 | 6, value: bigint): boolean {
  return within(value, version, version === 4 ? MULTICAST4 : MULTICAST6);
}

function isLoopback(version: 4 | 6, value: bigint): boolean {
  return within(value, version, version === 4 ? LOOPBACK4 : LOOPBACK6);
}

function isLinkLocal(version: 4 | 6, value: bigint): boolean {
  return within(value, version, version === 4 ? LINK_LOCAL4 : LINK_LOCAL6);
}

function isMask(version: 4 | 6, value: bigint): boolean {
  const inverted = (value ^ maxValue(version)) + 1n;
  const next = value + 1n;
  return (inverted & (inverted - 1n)) === 0n || (next & (next - 1n)) === 0n;
}

function address(net: IpNetwork, value = net.value): string {
  return formatAddress(net.version, value);
}

function broadcast(net: IpNetwork): bigint | undefined {
  return width(net.version) - net.prefixlen <= 1 ? undefined : last(net);
}

/** Ansible's usable range: all of a two-address network, else without the first and last. */
function usable(net: IpNetwork): [bigint, bigint] | undefined {
  const count = size(net);
  if (count === 2n) return [first(net), last(net)];
  if (count > 1n) return [first(net) + 1n, last(net) - 1n];
  return undefined;
}

function reverseDns(net: IpNetwork): string {
  if (net.version === 4) {
    return `${address(net).split(".").reverse().join(".")}.in-addr.arpa.`;
  }
  const nibbles = net.value.toString(16).padStart(32, "0").split("").reverse();
  return `${nibbles.join(".")}.ip6.arpa.`;
}

function needsNetwork(query: string, given: Recognised): void {
  if (given.vtype === "address") {
    throw new IpHelperError(
      "ipaddr",
      given.value,
      `query '${query}' needs a network, not an address`,
    );
  }
}

// ---- ipaddr ---------------------------------------------------------------------------------

type Query = (given: Recognised) => unknown;

/** `ipaddr`'s queries, as `ansible.utils`' `ipaddr_utils.py` defines them. */
const QUERIES: Record<string, Query> = {
  "": ({ net, vtype }) => vtype === "address" ? address(net) : formatNetwork(net),
  address: ipQuery,
  ip: ipQuery,
  "address/prefix": addressPrefixQuery,
  "host/prefix": addressPrefixQuery,
  gateway: addressPrefixQuery,
  gw: addressPrefixQuery,
  hostnet: addressPrefixQuery,
  router: addressPrefixQuery,
  bool: () => true,
  "6to4": ({ net, vtype, value }) => {
    if (net.version === 4) {
      if (size(net) > 1n && net.value === first(net)) return false;
      // Ansible converts only addresses its `public` or `private` query passes.
      if (!pyTruthy(QUERIES.public({ net, vtype, value: true }))) {
        if (!pyTruthy(QUERIES.private({ net, vtype, value: true }))) return false;
      }
      const hex = net.value.toString(16).padStart(8, "0");
      return `2002:${hex.slice(0, 4)}:${hex.slice(4)}::1/48`;
    }
    const in6to4 = within(net.value, 6, SIX_TO_FOUR);
    if (vtype === "address") return in6to4 ? value : false;
    return net.value !== first(net) && in6to4 ? value : false;
  },
  broadcast: ({ net }) => size(net) > 2n ? address(net, last(net)) : null,
  cidr: ({ net }) => formatNetwork(net),
  first_usable: (given) => {
    needsNetwork("first_usable", given);
    const { net } = given;
    if (size(net) === 2n) return address(net, first(net));
    return size(net) > 1n ? address(net, first(net) + 1n) : null;
  },
  last_usable: (given) => {
    needsNetwork("last_usable", given);
    const range = usable(given.net);
    return range ? address(given.net, range[1]) : null;
  },
  next_usable: (given) => {
    needsNetwork("next_usable", given);
    const range = usable(given.net);
    const next = given.net.value + 1n;
    if (next > maxValue(6)) throw new IpHelperError("ipaddr", given.value, "has no next address");
    return range && next >= range[0] && next <= range[1] ? address(given.net, next) : null;
  },
  previous_usable: (given) => {
    needsNetwork("previous_usable", given);
    const range = usable(given.net);
    const previous = given.net.value - 1n;
    if (previous < 0n) throw new IpHelperError("ipaddr", given.value, "has no previous address");
    return range && previous >= range[0] && previous <= range[1]
      ? address(given.net, previous)
      : null;
  },
  range_usable: (given) => {
    needsNetwork("range_usable", given);
    const range = usable(given.net);
    return range ? `${address(given.net, range[0])}-${address(given.net, range[1])}` : null;
  },
  host: ({ net }) => {
    if (size(net) === 1n) return formatNetwork(net);
    return net.value !== first(net) || broadcast(net) === undefined ? formatNetwork(net) : null;
  },
  hostmask: ({ net }) => address(net, hostmask(net)),
  wildcard: ({ net }) => address(net, hostmask(net)),
  int: ({ net, vtype }) => vtype === "address" ? pyInt(net.value) : `${net.value}/${net.prefixlen}`,
  "ip/prefix": ({ net }) => {
    if (size(net) === 2n || (size(net) > 2n && net.value !== first(net))) {
      return formatNetwork(net);
    }
    return null;
  },
  ip_netmask: ({ net }) => {
    if (size(net) === 2n || (size(net) > 2n && net.value !== first(net))) {
      return `${address(net)} ${address(net, netmask(net))}`;
    }
    return null;
  },
  ipv4: ipv4Query,
  v4: ipv4Query,
  ipv6: ipv6Query,
  v6: ipv6Query,
  "link-local": ({ net, value }) => isLinkLocal(net.version, net.value) ? value : null,
  lo: ({ net, value }) => isLoopback(net.version, net.value) ? value : null,
  loopback: ({ net, value }) => isLoopback(net.version, net.value) ? value : null,
  multicast: ({ net, value }) => isMulticast(net.version, net.value) ? value : null,
  unicast: ({ net, value }) => isMulticast(net.version, net.value) ? null : value,
  net: ({ net }) =>
    size(net) > 1n && net.value === first(net) ? `${address(net)}/${net.prefixlen}` : null,
  netmask: ({ net }) => address(net, netmask(net)),
  network: ({ net }) => address(net, first(net)),
  network_id: ({ net }) => address(net, first(net)),
  "network/prefix": subnetQuery,
  subnet: subnetQuery,
  network_netmask: ({ net }) => `${address(net, first(net))} ${address(net, netmask(net))}`,
  network_wildcard: ({ net }) => `${address(net, first(net))} ${address(net, hostmask(net))}`,
  peer: (given) => {
    needsNetwork("peer", given);
    const { net } = given;
    if (size(net) === 2n) return address(net, net.value ^ 1n);
    if (size(net) === 4n) {
      if (net.value % 4n === 0n || net.value % 4n === 3n) {
        throw new IpHelperError(
          "ipaddr",
          given.value,
          "the network or broadcast address of a /30 has no peer",
        );
      }
      return address(net, net.value ^ 3n);
    }
    throw new IpHelperError("ipaddr", given.value, "not a point-to-point network");
  },
  prefix: ({ net }) => net.prefixlen,
  private: ({ net, value }) => isGlobal(net.version, net.value) ? null : value,
  public: ({ net, value }) => {
    const { version, value: integer } = net;
    const isPublic = !isMulticast(version, integer) && isGlobal(version, integer) &&
      !isLoopback(version, integer) && !isMask(version, integer);
    return isPublic ? value : null;
  },
  revdns: ({ net }) => reverseDns(net),
  size: ({ net }) => pyInt(size(net)),
  size_usable: ({ net }) => {
    const count = size(net);
    return pyInt(count === 1n ? 0n : count === 2n ? 2n : count - 2n);
  },
  type: ({ net }) => size(net) === 1n || net.value !== first(net) ? "address" : "network",
  version: ({ net }) => net.version,
  wrap: ({ net, vtype, value }) => {
    if (net.version === 4) return value;
    return vtype === "address" ? `[${address(net)}]` : `[${address(net)}]/${net.prefixlen}`;
  },
};

function ipQuery({ net }: Recognised): string | null {
  if (size(net) === 1n) return address(net);
  if (net.value !== first(net) || broadcast(net) === undefined) return address(net);
  return net.version === 6 ? address(net) : null;
}

function addressPrefixQuery({ net }: Recognised): string | false {
  if (size(net) > 2n && (net.value === first(net) || net.value === last(net))) return false;
  return formatNetwork(net);
}

function subnetQuery({ net }: Recognised): string {
  return `${address(net, first(net))}/${net.prefixlen}`;
}

function ipv4Query({ net, value }: Recognised): unknown {
  if (net.version === 4) return value;
  let integer: bigint;
  if (net.value <= 0xffffffffn) integer = net.value;
  else if (net.value <= 0xffffffffffffn) integer = net.value - 0xffff00000000n;
  else return false;
  const prefixlen = net.prefixlen - 96;
  if (integer < 0n || prefixlen < 0) return false;
  return formatNetwork({ version: 4, value: integer, prefixlen });
}

function ipv6Query({ net, value }: Recognised): unknown {
  if (net.version === 6) return value;
  return formatNetwork({
    version: 6,
    value: 0xffff00000000n + net.value,
    prefixlen: net.prefixlen + 96,
  });
}

/** The Nth address of the network with its prefix length, as `ipaddr(N)` gives it. */
function indexQuery(given: Recognised, query: string): unknown {
  const { net, vtype } = given;
  if (size(net) === 1n) return vtype === "address" ? address(net) : formatNetwork(net);
  const index = parsePyInt(query);
  if (index === undefined) return false;
  const total = size(net);
  let integer: bigint;
  if (index < 0n && index >= -total) integer = last(net) + index + 1n;
  else if (index >= 0n && index < total) integer = first(net) + index;
  else return false;
  return `${address(net, integer)}/${net.prefixlen}`;
}

/**
 * `ipaddr(query)` on one value or a list (a list is filtered: the items with a true result).
 * `version` 4 or 6 makes it Ansible's `ipv4`/`ipv6` filter.
 */
function ipaddrValue(helper: string, value: unknown, query: string, version: number): unknown {
  if (isList(value)) {
    return items(value).map((item) => ipaddrValue(helper, item, query, version)).filter(pyTruthy);
  }
  const given = recognise(value, version);
  if (!given) return false;
  let lookup: IpNetwork | undefined;
  if (query !== "" && !Object.hasOwn(QUERIES, query) && !/^[0-9]+$/.test(query)) {
    lookup = parseNetaddr(query);
  }
  if (version && given.net.version !== version) return false;
  if (lookup) {
    // The query is a network: the value when it lies inside.
    const { net } = given;
    if (net.version !== lookup.version || net.prefixlen < lookup.prefixlen) return null;
    return (first(net) & netmask(lookup)) === first(lookup) ? given.value : null;
  }
  if (Object.hasOwn(QUERIES, query)) return QUERIES[query](given);
  if (parsePyFloat(query) !== undefined) return indexQuery(given, query);
  throw new IpHelperError(helper, value, `unknown query ${JSON.stringify(query)}`);
}

/** Ansible's filters take a str, an int or a list (not a tuple or an iterator) at the top. */
function checkIpaddrValue(helper: string, value: unknown): void {
  const isPlainList = Array.isArray(value) && !(value instanceof PyTuple);
  if (!isText(value) && !isPlainList && !isPyInt(value)) {
    throw new IpHelperError(
      helper,
      value,
      "expected an IP address, a network, an integer or a list",
    );
  }
}

/**
 * `ipaddr(query='', version=False)`: validates, converts and queries addresses and networks as
 * Ansible does. Without a query: the value normalised, or `False` when it is not an address; a
 * list is filtered. Queries: `address`, `network`, `prefix`, `size`, `net`, `cidr`, `subnet`,
 * `host`, `netmask`, `hostmask`, `broadcast`, `first_usable`, `last_usable`, `range_usable`,
 * `size_usable`, `type`, `version`, `int`, `public`, `private`, `link-local`, `ipv4`, `ipv6`, …;
 * an integer N is the Nth address with the prefix length; a network keeps the values inside it.
 */
export function ipaddrFilter(...args: unknown[]): unknown {
  const bound = bind("ipaddr", ["value", "query", "version", "alias"], args);
  checkIpaddrValue("ipaddr", bound.value);
  const version = bound.version === undefined || bound.version === null
    ? 0
    : Number(intArgument("ipaddr", "version", bound.version));
  return ipaddrValue("ipaddr", bound.value, textArgument(bound.query, ""), version);
}

function versionFilter(helper: "ipv4" | "ipv6", version: 4 | 6) {
  return (...args: unknown[]): unknown => {
    const bound = bind(helper, ["value", "query"], args);
    checkIpaddrValue(helper, bound.value);
    return ipaddrValue(helper, bound.value, textArgument(bound.query, ""), version);
  };
}

/** `ipv4(query='')`: `ipaddr` for IPv4 values only (an IPv6 value gives `False`). */
export const ipv4Filter: (...args: unknown[]) => unknown = versionFilter("ipv4", 4);

/** `ipv6(query='')`: `ipaddr` for IPv6 values only (an IPv4 value gives `False`). */
export const ipv6Filter: (...args: unknown[]) => unknown = versionFilter("ipv6", 6);

// ---- the arithmetic helpers -----------------------------------------------------------------

/** A str-typed value read as a network (host bits cleared for an address with a prefix). */
function networkOf(helper: string, value: unknown): IpNetwork {
  const given = recognise(valueText(helper, value), 0);
  if (!given) throw new IpHelperError(helper, value, "not an IP address or network");
  return given.net;
}

/**
 * `ipsubnet(query='', index=None)`: with a prefix length, how many subnets of it fit (an
 * address: its network of that length), or with an index the `index`-th of them (negative
 * counts from the end); with a subnet, the 1-based rank of the value's network inside it; with
 * nothing, the value as a CIDR. `'2001:db8:1200::/56' | ipsubnet(64, 3)` → `2001:db8:1200:3::/64`.
 */
export function ipsubnet(...args: unknown[]): unknown {
  const bound = bind("ipsubnet", ["value", "query", "index"], args);
  const given = networkOf("ipsubnet", bound.value);
  const net: IpNetwork = { ...given, value: first(given) };
  const index = bound.index === undefined || bound.index === null
    ? undefined
    : intArgument("ipsubnet", "index", bound.index);
  const query = textArgument(bound.query, "");
  if (query === "") return formatNetwork(net);
  const bits = width(net.version);
  if (!/^[0-9]+$/.test(query)) return subnetRank(bound.value, net, query);
  const length = Number(query);
  if (length > bits) {
    throw new IpHelperError(
      "ipsubnet",
      bound.value,
      `subnet length ${length} is more than ${bits}`,
    );
  }
  const isAddress = net.prefixlen === bits;
  if (index === undefined) {
    if (isAddress) {
      if (length === bits) {
        throw new IpHelperError("ipsubnet", bound.value, `is already a /${bits}`);
      }
      return formatNetwork({
        ...net,
        value: net.value & netmask({ ...net, prefixlen: length }),
        prefixlen: length,
      });
    }
    if (length < net.prefixlen) {
      throw new IpHelperError(
        "ipsubnet",
        bound.value,
        `subnet length ${length} is shorter than /${net.prefixlen}`,
      );
    }
    return String(1n << BigInt(length - net.prefixlen));
  }
  if (isAddress) {
    // The supernets of the address from /length to /(width - 1), by index.
    const count = BigInt(bits - length);
    const offset = index < 0n ? count + index : index;
    if (offset < 0n || offset >= count) {
      throw new IpHelperError(
        "ipsubnet",
        bound.value,
        `index ${index} is out of range (${count} supernets from /${length})`,
      );
    }
    const prefixlen = length + Number(offset);
    return formatNetwork({ ...net, value: net.value & netmask({ ...net, prefixlen }), prefixlen });
  }
  if (length < net.prefixlen) {
    throw new IpHelperError(
      "ipsubnet",
      bound.value,
      `subnet length ${length} is shorter than /${net.prefixlen}`,
    );
  }
  const subnets = 1n << BigInt(length - net.prefixlen);
  const offset = index < 0n ? subnets + index : index;
  if (offset < 0n || offset >= subnets) {
    throw new IpHelperError(
      "ipsubnet",
      bound.value,
      `index ${index} is out of range (${subnets} subnets of /${length} fit)`,
    );
  }
  return formatNetwork({
    version: net.version,
    value: net.value + (offset << BigInt(bits - length)),
    prefixlen: length,
  });
}

/** `ipsubnet(subnet)`: the 1-based position of the value's network among the subnet's. */
function subnetRank(value: unknown, net: IpNetwork, query: string): string {
  const outer = recognise(query, 0)?.net;
  if (!outer) throw new IpHelperError("ipsubnet", query, "not a subnet or IP address");
  const bits = width(net.version);
  if (outer.version !== net.version || outer.prefixlen > net.prefixlen) {
    throw new IpHelperError("ipsubnet", value, `is not inside ${query}`);
  }
  const shift = BigInt(bits - outer.prefixlen);
  if (net.value >> shift !== outer.value >> shift) {
    throw new IpHelperError("ipsubnet", value, `is not inside ${query}`);
  }
  const hostBits = BigInt(bits - net.prefixlen);
  const rankMask = (1n << BigInt(net.prefixlen - outer.prefixlen)) - 1n;
  return String(((net.value >> hostBits) & rankMask) + 1n);
}

/**
 * `nthhost(n)`: the `n`-th address of the network (0 is the network address, negative counts
 * from the end): `'2001:db8:1::/64' | nthhost(1)` → `2001:db8:1::1`.
 */
export function nthhost(...args: unknown[]): string {
  const bound = bind("nthhost", ["value", "query"], args);
  const net = networkOf("nthhost", bound.value);
  const query = bound.query;
  const index = isPyInt(query) && typeof query !== "boolean"
    ? toBigInt(query)
    : isText(query)
    ? parsePyInt(String(query))
    : undefined;
  if (index === undefined) {
    throw new IpHelperError("nthhost", query, "the index must be an integer");
  }
  const total = size(net);
  const offset = index < 0n ? total + index : index;
  if (offset < 0n || offset >= total) {
    throw new IpHelperError(
      "nthhost",
      bound.value,
      `index ${index} is out of range (the network has ${total} addresses)`,
    );
  }
  return address(net, first(net) + offset);
}

/** `ipmath(n)`: the address plus `n` (may be negative): `'198.51.100.1' | ipmath(5)` → `198.51.100.6`. */
export function ipmath(...args: unknown[]): string {
  const bound = bind("ipmath", ["value", "amount"], args);
  const text = valueText("ipmath", bound.value);
  const net = parseNetaddr(text);
  if (!net || (!text.includes("/") && net.prefixlen !== width(net.version))) {
    throw new IpHelperError("ipmath", bound.value, "not an IP address");
  }
  if (bound.amount === undefined || bound.amount === null) {
    throw new IpHelperError("ipmath", bound.value, "needs an amount");
  }
  const amount = intArgument("ipmath", "amount", bound.amount);
  const result = net.value + amount;
  if (result < 0n || result > maxValue(net.version)) {
    throw new IpHelperError("ipmath", bound.value, `adding ${amount} leaves the address space`);
  }
  return address(net, result);
}

function nthUsable(helper: string, direction: 1n | -1n) {
  return (...args: unknown[]): string => {
    const bound = bind(helper, ["value", "offset"], args);
    const text = valueText(helper, bound.value);
    const given = recognise(text, 0);
    if (!given) throw new IpHelperError(helper, bound.value, "not an IP address or network");
    const net = given.net;
    const offset = intArgument(helper, "offset", bound.offset);
    const range = usable(net);
    const wanted = net.value + direction * offset;
    if (!range || wanted < range[0] || wanted > range[1]) {
      throw new IpHelperError(helper, bound.value, `offset ${offset} leaves the usable addresses`);
    }
    return address(net, wanted);
  };
}

/** `next_nth_usable(n)`: the usable address `n` after the value's: `'192.0.2.5/24' | next_nth_usable(2)` → `192.0.2.7`. */
export const nextNthUsable: (...args: unknown[]) => string = nthUsable("next_nth_usable", 1n);

/** `previous_nth_usable(n)`: the usable address `n` before the value's. */
export const previousNthUsable: (...args: unknown[]) => string = nthUsable(
  "previous_nth_usable",
  -1n,
);

/** The addresses a value spans: a network's first to last, an address itself. */
function span(helper: string, value: unknown): [4 | 6, bigint, bigint] {
  const net = networkOf(helper, value);
  return [net.version, first(net), last(net)];
}

function containment(helper: string, usableOnly: boolean) {
  return (...args: unknown[]): boolean => {
    const bound = bind(helper, ["value", "test"], args);
    const outer = networkOf(helper, bound.value);
    const [version, low, high] = span(helper, bound.test);
    if (version !== outer.version) return false;
    let [from, to] = [first(outer), last(outer)];
    if (usableOnly) [from, to] = usable(outer) ?? [outer.value, outer.value];
    return from <= low && high <= to;
  };
}

/** `network_in_network(other)`: whether `other` (address or network) lies inside the network. */
export const networkInNetwork: (...args: unknown[]) => boolean = containment(
  "network_in_network",
  false,
);

/** `network_in_usable(other)`: whether `other` lies inside the network's usable addresses. */
export const networkInUsable: (...args: unknown[]) => boolean = containment(
  "network_in_usable",
  true,
);

/**
 * `usable_range`: every address of a network (Python's `ipaddress` reading: no host bits) and
 * their number: `{'usable_ips': [...], 'number_of_ips': N}`; at most {@link USABLE_RANGE_LIMIT}.
 */
export function usableRange(...args: unknown[]): Record<string, unknown> {
  const bound = bind("usable_range", ["ip"], args);
  const net = parsePythonNetwork(valueText("usable_range", bound.ip));
  if (!net) {
    throw new IpHelperError("usable_range", bound.ip, "not an IP network without host bits");
  }
  const count = size(net);
  if (count > BigInt(USABLE_RANGE_LIMIT)) {
    throw new IpHelperError(
      "usable_range",
      bound.ip,
      `has ${count} addresses, more than ${USABLE_RANGE_LIMIT}`,
    );
  }
  const ips: string[] = [];
  for (let offset = 0n; offset < count; offset++) {
    ips.push(formatPythonAddress(net.version, net.value + offset));
  }
  return { usable_ips: ips, number_of_ips: pyInt(count) };
}

/**
 * `ipwrap(query='')`: IPv6 addresses in brackets (`[2001:db8::1]`, `[2001:db8::]/64`), IPv4 and
 * anything that is not an address unchanged; a list item by item. As in Ansible, only a keyword
 * `query=` is applied (a positional argument is ignored).
 */
export function ipwrap(...args: unknown[]): unknown {
  const bound = bind("ipwrap", ["value"], args, ["query"]);
  const query = textArgument(bound.query, "");
  const value = bound.value;
  const isPlainList = Array.isArray(value) && !(value instanceof PyTuple);
  if (!isText(value) && !isPlainList && typeof value !== "boolean") {
    throw new IpHelperError("ipwrap", value, "expected an IP address, a network or a list");
  }
  try {
    if (isPlainList) {
      return items(value).map((item) =>
        pyTruthy(ipaddrValue("ipwrap", item, query, 0))
          ? ipaddrValue("ipwrap", item, "wrap", 0)
          : item
      );
    }
    const result = ipaddrValue("ipwrap", value, query, 0);
    return pyTruthy(result) ? ipaddrValue("ipwrap", result, "wrap", 0) : value;
  } catch {
    return value;
  }
}

/**
 * `ipsuffix(suffix)` (ours, not Ansible's): the network's prefix with a fixed host part:
 * `'2001:db8:1:2::/64' | ipsuffix('::1')` → `2001:db8:1:2::1`. Bits of the suffix inside the
 * prefix are ignored.
 */
export function ipsuffix(...args: unknown[]): string {
  const bound = bind("ipsuffix", ["value", "suffix"], args);
  const net = networkOf("ipsuffix", bound.value);
  const host = parseNetaddr(valueText("ipsuffix", bound.suffix));
  if (!host) throw new IpHelperError("ipsuffix", bound.suffix, "not an IP address");
  if (host.version !== net.version) {
    throw new IpHelperError(
      "ipsuffix",
      bound.suffix,
      `is IPv${host.version}, the prefix IPv${net.version}`,
    );
  }
  return address(net, first(net) | (host.value & hostmask(net)));
}

// ---- tests ----------------------------------------------------------------------------------

/** A test on Python's `ipaddress.ip_network` reading of a string; anything else is false. */
function pythonTest(predicate: (net: IpNetwork) => boolean) {
  return (value: unknown): boolean => {
    if (!isText(value)) return false;
    const net = parsePythonNetwork(String(value));
    return net !== undefined && predicate(net);
  };
}

/** A test on netaddr's reading (host bits allowed); anything else is false. */
function netaddrTest(predicate: (net: IpNetwork) => boolean) {
  return (value: unknown): boolean => {
    if (!isText(value)) return false;
    const net = parseNetaddr(String(value));
    return net !== undefined && predicate(net);
  };
}

function ipv4Range(net: IpNetwork): string {
  return ipaddr.fromByteArray(
    [24n, 16n, 8n, 0n].map((shift) => Number((net.value >> shift) & 0xffn)),
  )
    .range();
}

/**
 * Template tests: Ansible's `is ip`, `is ipv4`, `is ipv6` (an address or a network without host
 * bits); ours: `is global_unicast` (IPv6 2000::/3, IPv4 public unicast), `is ula` (fc00::/7),
 * `is link_local`.
 */
export const ipTests: Record<string, (value: unknown) => boolean> = {
  ip: pythonTest(() => true),
  ipv4: pythonTest((net) => net.version === 4),
  ipv6: pythonTest((net) => net.version === 6),
  global_unicast: netaddrTest((net) =>
    net.version === 6 ? net.value >> 125n === 1n : ipv4Range(net) === "unicast"
  ),
  ula: netaddrTest((net) => net.version === 6 && net.value >> 121n === 0x7en),
  link_local: netaddrTest((net) => isLinkLocal(net.version, net.value)),
};

/** The IP filters by their template names. */
export const ipFilters: Record<string, (...args: unknown[]) => unknown> = {
  ipaddr: ipaddrFilter,
  ipv4: ipv4Filter,
  ipv6: ipv6Filter,
  ipsubnet,
  nthhost,
  ipmath,
  ipsuffix,
  ipwrap,
  network_in_network: networkInNetwork,
  network_in_usable: networkInUsable,
  next_nth_usable: nextNthUsable,
  previous_nth_usable: previousNthUsable,
  usable_range: usableRange,
};
