/**
 * What the lease decoders take and return.
 *
 * @module
 */

/** Where a lease came from. */
export interface LeaseSource {
  /** The lease file (for error messages). */
  file: string;
  /** When dhcpcd obtained the lease: the lease file's modification time. */
  obtainedAt: Date;
  /**
   * The interface the lease belongs to: the zone of link-local IPv6 server addresses
   * (`fe80::53%eth0`), which are ambiguous without it. Without it they carry no zone.
   */
  interface?: string;
}

/** A decoded lease and what was odd about it but could be handled. */
export interface Decoded<T> {
  /** The lease. */
  lease: T;
  /** Problems that were repaired or ignored (e.g. host bits masked in a prefix). */
  warnings: string[];
}
