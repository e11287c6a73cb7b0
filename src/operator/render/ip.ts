/**
 * IP and CIDR helpers for templates, named after and behaving as Ansible's `ansible.utils`
 * filters (`ipaddr` and its queries, `ipv4`, `ipv6`, `ipsubnet`, `nthhost`, `ipmath`, `ipwrap`,
 * `network_in_network`, `network_in_usable`, `next_nth_usable`, `previous_nth_usable`,
 * `usable_range`, the `ip`/`ipv4`/`ipv6` tests), plus our own `ipsuffix` and tests. Arguments by
 * position or keyword, converted as Ansible's argument validation does; integers exact (BigInt
 * past 2^53) in and out. Where we deliberately differ from Ansible (a misuse fails the render
 * instead of giving `False`, …), `tests/ip/differences.ts` lists it and the render README shows
 * that list. Every misuse throws an {@link IpHelperError} naming the helper and the value. Pure.
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
  ipaddrValue,
  IpHelperError,
  isLinkLocal,
  isText,
  items,
  recognise,
  usable,
} from "./ip_query.ts";
import {
  isPlainObject,
  isPyFloat,
  isPyInt,
  parsePyInt,
  pyInt,
  pyStr,
  pyTruthy,
  PyTuple,
  toBigInt,
} from "./python.ts";

export { IpHelperError } from "./ip_query.ts";

/** The most addresses `usable_range` lists (Ansible would try to list a /64). */
export const USABLE_RANGE_LIMIT = 65_536;

// ---- arguments ------------------------------------------------------------------------------

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

// ---- ipaddr, ipv4, ipv6 ----------------------------------------------------------------------

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
  return formatAddress(net.version, first(net) + offset);
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
  return formatAddress(net.version, result);
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
    return formatAddress(net.version, wanted);
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
  return formatAddress(net.version, first(net) | (host.value & hostmask(net)));
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
