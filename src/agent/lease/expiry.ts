/**
 * Whether a lease has run out: dhcpcd keeps a lease file after the lease expired (the server
 * could not be reached to renew it), so a file alone does not mean a current lease.
 *
 * @module
 */
import type { Lease4, Lease6 } from "../../shared/model.ts";

/**
 * When `lease` expired, if it has by `now`: a DHCPv4 lease at its `valid_until`; a DHCPv6 lease
 * when the last of its addresses and prefixes stopped being valid (one without any never does).
 */
export function expiredAt(lease: Lease4 | Lease6, now: Date): string | undefined {
  const ends = "lease_time" in lease
    ? [lease.valid_until]
    : [...lease.address6, ...lease.temporary6, ...lease.prefix6].map((entry) => entry.valid_until);
  if (ends.length === 0) return undefined;
  const last = ends.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
  return Date.parse(last) <= now.getTime() ? last : undefined;
}
