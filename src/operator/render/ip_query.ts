/**
 * Ansible's `ipaddr` (`ansible.utils`' `ipaddr_utils.py`) over netaddr's reading of values: which
 * values are addresses (text, integers, `integer/prefix`), its queries, a list filtered by them.
 * Shared by the `ipaddr`, `ipv4`, `ipv6` and `ipwrap` filters and the arithmetic helpers
 * (`ip.ts`). Pure.
 *
 * @module
 */
import {
  first,
  formatAddress,
  formatNetwork,
  hostmask,
  type IpNetwork,
  last,
  maxValue,
  netmask,
  parseNetaddr,
  size,
  width,
} from "./ip_address.ts";
import {
  isPyInt,
  isSafeString,
  parsePyFloat,
  parsePyInt,
  pyInt,
  PyIterator,
  pyRepr,
  pyTruthy,
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

/** Whether a value is a str (a Markup string too). */
export function isText(value: unknown): boolean {
  return typeof value === "string" || isSafeString(value);
}

/** Whether a value is a list, tuple or iterator (what `ipaddr` maps over). */
export function isList(value: unknown): boolean {
  return Array.isArray(value) || value instanceof PyIterator;
}

/** The items of a list, tuple or iterator (an iterator is drained). */
export function items(value: unknown): unknown[] {
  return value instanceof PyIterator ? value.drain() : [...(value as unknown[])];
}

/** A value `ipaddr` recognised. */
export interface Recognised {
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
export function recognise(value: unknown, version: number): Recognised | undefined {
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

export function isLinkLocal(version: 4 | 6, value: bigint): boolean {
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
export function usable(net: IpNetwork): [bigint, bigint] | undefined {
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
export function ipaddrValue(
  helper: string,
  value: unknown,
  query: string,
  version: number,
): unknown {
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
