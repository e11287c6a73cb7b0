/** Lease data relative to the current time, for tests where lifetimes really run out. */
import type { Interface, LeasedAddress } from "../../src/shared/model.ts";

/** A delegated prefix that stays valid for `validSeconds` from now. */
export function prefixValidFor(ip: string, validSeconds: number, len = 56): LeasedAddress {
  const now = Date.now();
  const at = (seconds: number) => new Date(now + seconds * 1000).toISOString();
  return {
    ip,
    len,
    preferred_lifetime: validSeconds,
    valid_lifetime: validSeconds,
    preferred_until: at(validSeconds),
    valid_until: at(validSeconds),
  };
}

/** `eth0` with a DHCPv6 lease holding `prefixes`. */
export function eth0WithPrefixes(prefixes: LeasedAddress[]): Interface {
  return {
    name: "eth0",
    lease6: {
      temporary6: [],
      ia: [],
      address6: [],
      prefix6: prefixes,
      dns: ["2001:db8::53"],
      search: ["example.net"],
      ntp: [],
      t1: 900,
      t2: 1440,
      obtained_at: new Date().toISOString(),
    },
  };
}
