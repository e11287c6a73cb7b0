/**
 * Seeded test cases for the IP helpers: template texts that call one Ansible-named helper each,
 * over IPv4 and IPv6 addresses and networks from /0 to /128, boundaries, big indexes, invalid
 * text, integers, lists and keyword arguments. Pure.
 *
 * @module
 */
import { seededRandom } from "../support/seeded_random.ts";

/** One case: the helper it exercises and the template text. */
export interface IpCase {
  helper: string;
  template: string;
}

/** A seeded generator with integer and pick helpers, so that a failure reproduces. */
class Random {
  /** A float in [0, 1). */
  readonly next: () => number;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** One of the items. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  /** A random unsigned integer of `bits` bits. */
  bigint(bits: number): bigint {
    let value = 0n;
    for (let done = 0; done < bits; done += 16) {
      value = (value << 16n) | BigInt(this.below(0x10000));
    }
    return value & ((1n << BigInt(bits)) - 1n);
  }
}

const IPV4_SPECIAL = [
  "0.0.0.0",
  "255.255.255.255",
  "10.0.0.1",
  "127.0.0.1",
  "169.254.1.1",
  "172.16.5.4",
  "192.168.1.1",
  "100.64.0.1",
  "192.0.2.1",
  "198.51.100.77",
  "203.0.113.9",
  "224.0.0.1",
  "240.0.0.1",
  "8.8.8.8",
  "192.0.0.9",
  "255.255.255.0",
  "0.0.0.255",
  "128.0.0.0",
];

const IPV6_SPECIAL = [
  "::",
  "::1",
  "::2",
  "::ffff",
  "::1:0",
  "::192.0.2.1",
  "::ffff:192.0.2.1",
  "::ffff:0:0",
  "64:ff9b::c000:201",
  "2001:db8::1",
  "2001:db8:1200::",
  "2001::1",
  "2001:4860:4860::8888",
  "2002:c000:201::1",
  "fe80::1",
  "fd12:3456::1",
  "fc00::",
  "ff02::1",
  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
  "1:0:0:2::3",
  "1:2:3:4:5:6:7:0",
  "2001:DB8:0:0::1",
];

const INVALID = [
  "192.168.001.010",
  "1.2.3",
  "0x0a.0.0.1",
  "0.0.0.010",
  "1.2.3.4.5",
  "256.1.1.1",
  "fe80::1%eth0",
  " 2001:db8::/56",
  "192.0.2.1 ",
  "192.0.2.1/33",
  "2001:db8::/129",
  "1:2:3:4:5:6:7:8:9",
  "1::2::3",
  "::1.2.3.04",
  "192.0.2.0/255.0.255.0",
  "192.0.2.0/",
  "/24",
  "abc",
  "abc/24",
  "",
  "10/8",
  "3232235777",
  "3232235776/24",
  "340282366920938463463374607431768211456",
  "192.0.2.0/255.255.255.0",
  "192.0.2.0/0.0.0.255",
  "2001:db8::/ffff:ffff::",
  "192.0.2.1/024",
  "192.0.2.1/+24",
];

function ipv4(random: Random): string {
  if (random.below(3) === 0) return random.pick(IPV4_SPECIAL);
  const value = random.bigint(32);
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
}

function ipv6(random: Random): string {
  if (random.below(3) === 0) return random.pick(IPV6_SPECIAL);
  const value = random.below(4) === 0
    ? random.bigint(random.pick([16, 32, 48]))
    : random.bigint(128);
  const words = Array.from(
    { length: 8 },
    (_, index) => ((value >> BigInt(112 - 16 * index)) & 0xffffn).toString(16),
  );
  return random.below(2) ? words.join(":") : words.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}

/** A prefix length: boundaries more often than the rest. */
function prefix(random: Random, bits: number): number {
  const edges = [0, 1, bits - 2, bits - 1, bits, bits === 32 ? 24 : 64, bits === 32 ? 30 : 56];
  return random.below(2) ? random.pick(edges) : random.below(bits + 1);
}

/** A network: an address with a prefix, host bits often cleared, sometimes kept. */
function network(random: Random, version = random.pick([4, 6])): string {
  const address = version === 4 ? ipv4(random) : ipv6(random);
  return `${address}/${prefix(random, version === 4 ? 32 : 128)}`;
}

/** Any value a template might hand to an IP helper. */
function value(random: Random): string {
  switch (random.below(6)) {
    case 0:
      return literal(ipv4(random));
    case 1:
      return literal(ipv6(random));
    case 2:
    case 3:
      return literal(network(random));
    case 4:
      return literal(random.pick(INVALID));
    default:
      return random.pick([
        "3232235777",
        "(2 ** 64 + 1)",
        "(2 ** 32)",
        "0",
        "1",
        "none",
        "true",
        "1.5",
        "[]",
        `[${literal(ipv4(random))}, 'nope', ${literal(network(random))}]`,
        `(${literal(ipv6(random))}, 42)`,
      ]);
  }
}

/** A Jinja2 string literal. */
function literal(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/** A small network (for `usable_range`, which lists every address). */
function smallNetwork(random: Random): string {
  const version = random.pick([4, 6]);
  const bits = version === 4 ? 32 : 128;
  const length = bits - random.below(7);
  const address = version === 4 ? ipv4(random) : ipv6(random);
  return `${address}/${length}`;
}

/** An index or amount: small, negative, boundaries, big (past 2^53 and 2^64), text, floats. */
function index(random: Random): string {
  return random.pick([
    String(random.below(20)),
    String(-random.below(20)),
    "0",
    "-1",
    "255",
    "256",
    "-256",
    "65536",
    "2 ** 32",
    "2 ** 32 - 1",
    "2 ** 53 + 1",
    "2 ** 64 - 1",
    "2 ** 64",
    "2 ** 64 + 1",
    "-(2 ** 64)",
    "2 ** 127",
    "2 ** 128 - 1",
    "'3'",
    "'-2'",
    "2.0",
    "1.5",
    "'x'",
  ]);
}

const QUERIES = [
  "",
  "address",
  "network",
  "prefix",
  "size",
  "net",
  "subnet",
  "cidr",
  "network/prefix",
  "host",
  "host/prefix",
  "netmask",
  "hostmask",
  "broadcast",
  "first_usable",
  "last_usable",
  "next_usable",
  "previous_usable",
  "range_usable",
  "size_usable",
  "type",
  "version",
  "int",
  "ipv4",
  "ipv6",
  "public",
  "private",
  "link-local",
  "loopback",
  "multicast",
  "unicast",
  "wrap",
  "revdns",
  "bool",
  "ip/prefix",
  "ip_netmask",
  "network_netmask",
  "network_wildcard",
  "peer",
  "6to4",
];

function call(random: Random, name: string, args: string[], keywords: string[]): string {
  const positional = random.below(4) === 0 ? 0 : args.length;
  const given = [
    ...args.slice(0, positional),
    ...args.slice(positional).map((arg, index) => `${keywords[positional + index]}=${arg}`),
  ];
  return given.length ? `${name}(${given.join(", ")})` : name;
}

function ipaddrCase(random: Random, helper: "ipaddr" | "ipv4" | "ipv6"): string {
  const query = random.below(5) === 0
    ? random.pick([index(random), literal(network(random)), literal("nonsense")])
    : literal(random.pick(QUERIES));
  const args = query === "''" && random.below(2) ? [] : [query];
  const filter = call(random, helper, args, ["query"]);
  if (helper !== "ipaddr" || random.below(8)) return `{{ ${value(random)} | ${filter} }}`;
  // Ansible's ipaddr takes the IP version to keep as a third argument or keyword.
  const version = random.pick(["4", "6", "0", "false", "'6'"]);
  const withVersion = args.length && random.below(2)
    ? `ipaddr(${query}, ${version})`
    : `ipaddr(${args.length ? `${query}, ` : ""}version=${version})`;
  return `{{ ${value(random)} | ${withVersion} }}`;
}

/** `count` seeded cases, spread over the helpers and tests that share Ansible's names. */
export function ipCases(seed: number, count: number): IpCase[] {
  const random = new Random(seed);
  const makers: [string, () => string][] = [
    ["ipaddr", () => ipaddrCase(random, "ipaddr")],
    ["ipaddr", () => ipaddrCase(random, "ipaddr")],
    ["ipaddr", () => ipaddrCase(random, "ipaddr")],
    ["ipv4", () => ipaddrCase(random, "ipv4")],
    ["ipv6", () => ipaddrCase(random, "ipv6")],
    ["ipsubnet", () => {
      const net = random.pick([4, 6]);
      const bits = net === 4 ? 32 : 128;
      const length = random.below(4) === 0
        ? literal(network(random, net))
        : String(prefix(random, bits));
      const args = random.below(5) === 0
        ? []
        : random.below(3)
        ? [length, index(random)]
        : [length];
      const subject = random.below(5) === 0 ? value(random) : literal(network(random, net));
      return `{{ ${subject} | ${call(random, "ipsubnet", args, ["query", "index"])} }}`;
    }],
    [
      "nthhost",
      () =>
        `{{ ${random.below(4) ? literal(network(random)) : value(random)} | ${
          call(random, "nthhost", [index(random)], ["query"])
        } }}`,
    ],
    [
      "ipmath",
      () =>
        `{{ ${random.below(4) ? literal(random.pick([ipv4, ipv6])(random)) : value(random)} | ${
          call(random, "ipmath", [index(random)], ["amount"])
        } }}`,
    ],
    [
      "ipwrap",
      () =>
        `{{ ${value(random)} | ${
          call(random, "ipwrap", random.below(3) ? [] : [literal(random.pick(QUERIES))], ["query"])
        } }}`,
    ],
    [
      "network_in_network",
      () =>
        `{{ ${literal(network(random))} | ${
          call(random, "network_in_network", [
            random.below(5) ? literal(random.pick([network, ipv4, ipv6])(random)) : value(random),
          ], ["test"])
        } }}`,
    ],
    [
      "network_in_usable",
      () =>
        `{{ ${literal(network(random))} | ${
          call(random, "network_in_usable", [
            random.below(5) ? literal(random.pick([network, ipv4, ipv6])(random)) : value(random),
          ], ["test"])
        } }}`,
    ],
    [
      "next_nth_usable",
      () =>
        `{{ ${random.below(4) ? literal(network(random)) : value(random)} | ${
          call(random, "next_nth_usable", [index(random)], ["offset"])
        } }}`,
    ],
    [
      "previous_nth_usable",
      () =>
        `{{ ${random.below(4) ? literal(network(random)) : value(random)} | ${
          call(random, "previous_nth_usable", [index(random)], ["offset"])
        } }}`,
    ],
    [
      "usable_range",
      () =>
        `{{ ${
          literal(random.below(4) ? smallNetwork(random) : random.pick(INVALID))
        } | usable_range }}`,
    ],
    ["is ip", () => `{{ ${value(random)} is ${random.pick(["ip", "ipv4", "ipv6"])} }}`],
  ];
  const cases: IpCase[] = [];
  const seen = new Set<string>();
  while (cases.length < count) {
    const [helper, make] = random.pick(makers);
    const template = make();
    if (seen.has(template)) continue;
    seen.add(template);
    cases.push({ helper, template });
  }
  return cases;
}
