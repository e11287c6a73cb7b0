/**
 * Leader election decisions on a coordination.k8s.io Lease, as pure data: given the lease as
 * read and the clock, what this replica may do. Same rules as client-go's leader election.
 *
 * @module
 */

/** The parts of a Lease's spec that election reads. */
export interface LeaseRecord {
  /** Who holds the lease; empty or absent when released. */
  holderIdentity?: string;
  /** How long a holder's claim lasts after its last renewal, in seconds. */
  leaseDurationSeconds?: number;
  /** When the holder last renewed. */
  renewTime?: Date;
}

/** What this replica should do with the lease. */
export type LeaseDecision =
  /** Nobody holds it, the holder released it, or the holder's claim ran out: take it. */
  | "acquire"
  /** We hold it: renew it. */
  | "renew"
  /** Someone else holds a live claim: follow. */
  | "follow";

/** Decides what `identity` does with `lease` (undefined: the Lease object does not exist). */
export function decideLease(
  lease: LeaseRecord | undefined,
  identity: string,
  now: Date,
): LeaseDecision {
  if (!lease?.holderIdentity) return "acquire";
  if (lease.holderIdentity === identity) return "renew";
  if (!lease.renewTime || lease.leaseDurationSeconds === undefined) return "acquire";
  const expiresAt = lease.renewTime.getTime() + lease.leaseDurationSeconds * 1000;
  return now.getTime() >= expiresAt ? "acquire" : "follow";
}
