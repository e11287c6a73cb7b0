/**
 * Node state by lease lifetimes (pure): merging a new report with the stored state keeps the
 * addresses and prefixes the new lease no longer carries, apart, as `draining` until their
 * valid lifetime ends; a snapshot leaves out whatever has expired.
 *
 * Rules:
 * - `address6` and `prefix6` hold exactly what the newest lease carries, all `active`;
 * - an address or prefix of the stored state that the new report lacks (on the same interface
 *   and SSID) moves to `address6_draining` / `prefix6_draining`, as `draining`, while its
 *   `valid_until` lies in the future (a prefix that comes back is active again); the rest of the
 *   old DHCPv6 lease (DNS, …) is kept with it when the interface no longer has a DHCPv6 lease;
 * - a snapshot always has both draining lists (empty when nothing drains); stored data of an
 *   older version, with draining entries inside `address6` / `prefix6`, is read the same way;
 * - in a snapshot, expired addresses, prefixes and DHCPv4 leases are left out, a DHCPv6 lease
 *   whose addresses and prefixes all expired is left out, interfaces without a lease and nodes
 *   without interfaces are left out;
 * - an entry whose `valid_until` is not an RFC 3339 time never expires by time.
 *
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import type { Interface, Lease6, LeasedAddress, Node } from "../../shared/model.ts";

/** What the operator keeps of one node. */
export interface NodeState {
  /** The Kubernetes node name. */
  name: string;
  /** The interfaces after merging, draining entries included (expired ones may linger). */
  interfaces: Interface[];
  /** Digest of the last report (what heartbeats refer to). */
  digest: string;
  /** When the stored data was reported (RFC 3339). */
  reportedAt: string;
  /** When the agent saw the lease change this data carries (RFC 3339), if known. */
  changeSeenAt?: string;
}

/** Counts shown by `kubectl get dhcpnodes`. */
export interface NodeSummary {
  /** Interfaces with a lease. */
  interfaces: number;
  /** DHCPv4 addresses and DHCPv6 IA_NA addresses. */
  addresses: number;
  /** Delegated prefixes. */
  prefixes: number;
}

/** Merges a new report into the stored interfaces; see the module rules. */
export function mergeReport(
  previous: readonly Interface[] | undefined,
  reported: readonly Interface[],
  now: Date,
): Interface[] {
  const merged = reported.map(markActive);
  for (const old of previous ?? []) {
    if (!old.lease6) continue;
    const current = merged.find((iface) => interfaceKey(iface) === interfaceKey(old));
    const address6 = drained(allAddresses(old.lease6), current?.lease6?.address6, now);
    const prefix6 = drained(allPrefixes(old.lease6), current?.lease6?.prefix6, now);
    if (address6.length === 0 && prefix6.length === 0) continue;
    const lease6 = current?.lease6 ??
      { ...structuredClone(old.lease6), address6: [], prefix6: [] };
    delete lease6.address6_draining;
    delete lease6.prefix6_draining;
    // Only lists that hold something are stored (as the wire codec reads them back).
    if (address6.length > 0) lease6.address6_draining = address6;
    if (prefix6.length > 0) lease6.prefix6_draining = prefix6;
    if (current) {
      current.lease6 = lease6;
    } else {
      const kept: Interface = { name: old.name, lease6 };
      if (old.ssid !== undefined) kept.ssid = old.ssid;
      merged.push(kept);
    }
  }
  return merged.sort((a, b) => compare(interfaceKey(a), interfaceKey(b)));
}

/** The node as templates see it at `now`, or undefined when nothing of it is valid any more. */
export function snapshotNode(state: NodeState, now: Date): Node | undefined {
  const interfaces = state.interfaces.flatMap((iface) => {
    const current: Interface = { name: iface.name };
    if (iface.ssid !== undefined) current.ssid = iface.ssid;
    if (iface.lease4 && !expired(iface.lease4.valid_until, now)) {
      const lease4 = iface.lease4;
      current.lease4 = {
        ...lease4,
        routers: [...lease4.routers],
        dns: [...lease4.dns],
        search: [...lease4.search],
        ntp: [...lease4.ntp],
      };
    }
    const lease6 = iface.lease6 && currentLease6(iface.lease6, now);
    if (lease6) current.lease6 = lease6;
    return current.lease4 || current.lease6 ? [current] : [];
  });
  return interfaces.length > 0 ? { name: state.name, interfaces } : undefined;
}

/** Every node as templates see it at `now`, sorted by name; nodes with nothing valid left out. */
export function snapshotNodes(states: Iterable<NodeState>, now: Date): Node[] {
  return [...states]
    .flatMap((state) => snapshotNode(state, now) ?? [])
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Whether anything of the node is still valid at `now` (its snapshot is not empty); no copies. */
export function isCurrent(state: NodeState, now: Date): boolean {
  const valid = (entry: LeasedAddress) => !expired(entry.valid_until, now);
  return state.interfaces.some((iface) =>
    (iface.lease4 !== undefined && !expired(iface.lease4.valid_until, now)) ||
    (iface.lease6 !== undefined &&
      (allAddresses(iface.lease6).length + allPrefixes(iface.lease6).length === 0 ||
        allAddresses(iface.lease6).some(valid) || allPrefixes(iface.lease6).some(valid)))
  );
}

/** The earliest `valid_until` after `now` among the node's leases, addresses and prefixes. */
export function nextExpiry(interfaces: readonly Interface[], now: Date): Date | undefined {
  let next: number | undefined;
  for (const iface of interfaces) {
    const times = [
      iface.lease4?.valid_until,
      ...(iface.lease6 ? allAddresses(iface.lease6) : []).map((entry) => entry.valid_until),
      ...(iface.lease6 ? allPrefixes(iface.lease6) : []).map((entry) => entry.valid_until),
    ];
    for (const time of times) {
      const at = time === undefined ? NaN : Date.parse(time);
      if (at > now.getTime() && (next === undefined || at < next)) next = at;
    }
  }
  return next === undefined ? undefined : new Date(next);
}

/** Whether two interface lists hold the same data (key order does not matter). */
export function sameInterfaces(a: readonly Interface[], b: readonly Interface[]): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}

/** Counts of interfaces, addresses and prefixes (for printer columns). */
export function summarize(interfaces: readonly Interface[]): NodeSummary {
  let addresses = 0;
  let prefixes = 0;
  for (const iface of interfaces) {
    if (iface.lease4) addresses++;
    addresses += iface.lease6 ? allAddresses(iface.lease6).length : 0;
    prefixes += iface.lease6 ? allPrefixes(iface.lease6).length : 0;
  }
  const withLease = interfaces.filter((iface) => iface.lease4 || iface.lease6).length;
  return { interfaces: withLease, addresses, prefixes };
}

function currentLease6(lease: Lease6, now: Date): Lease6 | undefined {
  const valid = (entry: LeasedAddress) => !expired(entry.valid_until, now);
  const copies = (entries: LeasedAddress[], draining: boolean) =>
    entries.filter((entry) => valid(entry) && (entry.state === "draining") === draining)
      .map((entry) => ({ ...entry }));
  const [addresses, prefixes] = [allAddresses(lease), allPrefixes(lease)];
  const hadEntries = addresses.length + prefixes.length > 0;
  const address6 = copies(addresses, false);
  const prefix6 = copies(prefixes, false);
  const address6_draining = copies(addresses, true);
  const prefix6_draining = copies(prefixes, true);
  const left = address6.length + prefix6.length + address6_draining.length +
    prefix6_draining.length;
  if (hadEntries && left === 0) return undefined;
  return {
    ...lease,
    address6,
    prefix6,
    address6_draining,
    prefix6_draining,
    dns: [...lease.dns],
    search: [...lease.search],
    ntp: [...lease.ntp],
  };
}

function markActive(iface: Interface): Interface {
  const copy = structuredClone(iface);
  if (copy.lease6) {
    for (const entry of [...copy.lease6.address6, ...copy.lease6.prefix6]) entry.state = "active";
  }
  return copy;
}

/** The addresses of a lease, current and draining. */
function allAddresses(lease: Lease6): LeasedAddress[] {
  return [...lease.address6, ...(lease.address6_draining ?? [])];
}

/** The prefixes of a lease, current and draining. */
function allPrefixes(lease: Lease6): LeasedAddress[] {
  return [...lease.prefix6, ...(lease.prefix6_draining ?? [])];
}

/** Old entries the new list lacks and that are still valid, marked draining. */
function drained(
  old: readonly LeasedAddress[],
  current: readonly LeasedAddress[] | undefined,
  now: Date,
): LeasedAddress[] {
  return old
    .filter((entry) => Date.parse(entry.valid_until) > now.getTime())
    .filter((entry) => !current?.some((c) => c.ip === entry.ip && c.len === entry.len))
    .map((entry) => ({ ...entry, state: "draining" }));
}

function expired(validUntil: string, now: Date): boolean {
  return Date.parse(validUntil) <= now.getTime();
}

function interfaceKey(iface: Interface): string {
  return `${iface.name}\u0000${iface.ssid ?? ""}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
