/**
 * The deliberate differences between our IP helpers and Ansible's `ansible.utils` filters: the
 * one list that both the differential test (`tests/ip_ansible_test.ts`, which accepts a
 * difference only when one of these explains it) and the table in
 * `src/operator/render/README.md` (which must equal {@link differencesTable}) come from.
 * `deno run tests/ip/differences.ts` prints the table.
 *
 * @module
 */
import {
  formatAddress,
  type IpNetwork,
  parseIpv6,
  parseNetaddr,
  width,
} from "../../src/operator/render/ip_address.ts";
import type { Outcome } from "./differential.ts";

/** One documented difference and the test that recognises it. */
export interface KnownDifference {
  /** Which helpers and queries. */
  helpers: string;
  /** What Ansible does. */
  ansible: string;
  /** What we do instead. */
  ours: string;
  /** Why. */
  reason: string;
  /** Whether this difference explains the outcomes of one case. */
  explains(helper: string, template: string, ansible: Outcome, ours: Outcome): boolean;
}

const FAILING_HELPERS = [
  "ipsubnet",
  "nthhost",
  "ipmath",
  "next_nth_usable",
  "previous_nth_usable",
  "network_in_network",
  "network_in_usable",
  "usable_range",
];

const USABLE_HELPERS = ["ipaddr", "ipv4", "ipv6", "next_nth_usable", "previous_nth_usable"];
const USABLE_QUERIES =
  /(first|last|next|previous|range)_usable|next_nth_usable|previous_nth_usable/;

/** Our output with every IPv6 address below 2^32 printed as IPv4 (netaddr's guess). */
function smallIpv6AsIpv4(output: string): string {
  return output.replace(/[0-9a-f:.]*::[0-9a-f:.]*/g, (text) => {
    const value = parseIpv6(text);
    return value !== undefined && value <= 0xffffffffn ? formatAddress(4, value) : text;
  });
}

/** The two values of a `network_in_*` case, read as the helpers read them (an int too). */
function containmentOperands(template: string): [IpNetwork, IpNetwork] | undefined {
  const match = /^\{\{ '([^']*)' \| network_in_\w+\((?:test=)?(?:'([^']*)'|(\d+))\) \}\}$/
    .exec(template);
  if (!match) return undefined;
  const outer = parseNetaddr(match[1]);
  const inner = match[2] !== undefined ? parseNetaddr(match[2]) : {
    version: BigInt(match[3]) > 0xffffffffn ? 6 as const : 4 as const,
    value: 0n,
    prefixlen: 0,
  };
  return outer && inner ? [outer, inner] : undefined;
}

/** The documented differences, in the order of the README's table. */
export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    helpers: FAILING_HELPERS.map((name) => `\`${name}\``).join(", "),
    ansible: "`False` or `None` for a value that is not an address, an index or offset out of " +
      "range or not an integer (`network_in_*`: even `True` when neither is an address)",
    ours: "the render fails with an error naming the helper and the value",
    reason: "a `False` rendered into a manifest is a silent wrong value (`cidr: False`); a " +
      "filtering use is `ipaddr`'s, which keeps Ansible's `False`",
    explains(helper, _template, ansible, ours) {
      if (ours.ok || !FAILING_HELPERS.includes(helper) || !ours.error.includes(`${helper}:`)) {
        return false;
      }
      if (helper.startsWith("network_in_")) return true;
      return !ansible.ok || ansible.output === "False" || ansible.output === "None";
    },
  },
  {
    helpers: "`ipaddr`/`ipv6` queries `first_usable`, `last_usable`, `next_usable`, " +
      "`previous_usable`, `range_usable`; `next_nth_usable`, `previous_nth_usable`, `ipsubnet`",
    ansible: "an IPv6 result below 2^32 prints as IPv4 (`'::/64' | ipaddr('first_usable')` → " +
      "`0.0.0.1`); `ipsubnet` fails on such a subnet (`'::/112' | ipsubnet(126, 1)`)",
    ours: "prints it as IPv6 (`::1`, `::4/126`)",
    reason: "netaddr guesses the version from the integer; the address is IPv6",
    explains(helper, template, ansible, ours) {
      if (helper === "ipsubnet") {
        return ours.ok && !ansible.ok &&
          /^AddrFormatError: invalid IPNetwork \d+\.\d+\.\d+\.\d+\/\d+$/.test(ansible.error);
      }
      if (!ansible.ok || !ours.ok || !USABLE_HELPERS.includes(helper)) return false;
      return USABLE_QUERIES.test(template) && smallIpv6AsIpv4(ours.output) === ansible.output;
    },
  },
  {
    helpers: "`network_in_network`, `network_in_usable`",
    ansible: "compares integers across versions (`'0.0.0.0/0' | network_in_network('::1')` is " +
      "`True`) and takes the last address of a /31 or /127 to be its first",
    ours: "an IPv4 and an IPv6 value never contain each other; a /31 or /127 has two addresses",
    reason: "Ansible's answers there are wrong",
    explains(helper, template, ansible, ours) {
      if (!ansible.ok || !ours.ok || !helper.startsWith("network_in_")) return false;
      const operands = containmentOperands(template);
      if (!operands) return false;
      const [outer, inner] = operands;
      const twoAddresses = [outer, inner].some((net) => net.prefixlen === width(net.version) - 1);
      return outer.version !== inner.version || twoAddresses;
    },
  },
  {
    helpers: "`ipsubnet`",
    ansible: "with a subnet length shorter than the network's, index 0 gives the network address " +
      "with that length (`'169.254.1.1/30' | ipsubnet(12, 0)` → `169.254.1.0/12`); ranks a value " +
      "inside a subnet of the other IP version",
    ours: "the render fails",
    reason: "neither result is a subnet of the value",
    explains(helper, _template, _ansible, ours) {
      return helper === "ipsubnet" && !ours.ok &&
        /ipsubnet: .*(is shorter than|is not inside)/.test(ours.error);
    },
  },
];

/** The README's table of differences, as Markdown. */
export function differencesTable(): string {
  const cell = (text: string) => text.replaceAll("|", "\\|");
  const rows = KNOWN_DIFFERENCES.map(({ helpers, ansible, ours, reason }) =>
    `| ${[helpers, ansible, ours, reason].map(cell).join(" | ")} |`
  );
  return ["| helpers | Ansible | here | why |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

if (import.meta.main) console.log(differencesTable());
