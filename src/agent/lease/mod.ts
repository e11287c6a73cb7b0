/**
 * The lease decoder: dhcpcd's lease files (bytes) in, typed leases out. Pure: no I/O.
 *
 * @module
 */
export type { Decoded, LeaseSource } from "./decoded.ts";
export { decodeLease4 } from "./dhcp4.ts";
export { decodeLease6 } from "./dhcp6.ts";
export { LeaseDecodeError } from "./errors.ts";
export { type LeaseFileName, type LeaseOfFile, parseLeaseFileName, toInterfaces } from "./files.ts";
export { INFINITE_LIFETIME, NEVER } from "./time.ts";
export { MAX_LEASE_BYTES } from "./wire.ts";
export { expiredAt } from "./expiry.ts";
