/**
 * Lease times: lifetimes in seconds relative to when the lease was obtained, turned into
 * absolute RFC 3339 times. A lifetime of 0xffffffff means infinity (RFC 8415, RFC 2131).
 *
 * @module
 */

/** The lifetime that never ends. */
export const INFINITE_LIFETIME = 0xffffffff;

/** The time written for an infinite lifetime. */
export const NEVER = "9999-12-31T23:59:59Z";

/** `date` as RFC 3339 UTC with whole seconds (`2026-11-24T14:00:00Z`). */
export function toRfc3339(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** The absolute time `seconds` after `start`, or {@link NEVER} for an infinite lifetime. */
export function after(start: Date, seconds: number): string {
  if (seconds === INFINITE_LIFETIME) return NEVER;
  return toRfc3339(new Date(Math.floor(start.getTime() / 1000) * 1000 + seconds * 1000));
}
