import assert from "node:assert/strict";
import type { Lease4, Lease6, LeasedAddress } from "../../shared/model.ts";
import { expiredAt } from "./expiry.ts";

const lease4 = (valid_until: string): Lease4 => ({
  ip: "198.51.100.9",
  len: 24,
  routers: [],
  classless_routes: [],
  static_routes: [],
  dns: [],
  search: [],
  ntp: [],
  lease_time: 3600,
  t1: 1800,
  t2: 3150,
  obtained_at: "2026-12-03T11:00:00Z",
  valid_until,
});

const entry = (valid_until: string): LeasedAddress => ({
  ip: "2001:db8::1",
  len: 128,
  preferred_lifetime: 1,
  valid_lifetime: 2,
  preferred_until: valid_until,
  valid_until,
});

const lease6 = (entries: LeasedAddress[]): Lease6 => ({
  address6: entries,
  prefix6: [],
  temporary6: [],
  ia: [],
  dns: [],
  search: [],
  ntp: [],
  t1: 0,
  t2: 0,
  obtained_at: "2026-12-03T11:00:00Z",
});

const now = new Date("2026-12-03T12:00:00Z");

Deno.test("a DHCPv4 lease expires at its valid_until", () => {
  assert.equal(expiredAt(lease4("2026-12-03T12:00:00Z"), now), "2026-12-03T12:00:00Z");
  assert.equal(expiredAt(lease4("2026-12-03T12:00:01Z"), now), undefined);
  assert.equal(expiredAt(lease4("9999-12-31T23:59:59Z"), now), undefined);
});

Deno.test("a DHCPv6 lease expires with the last of its entries; one without entries never", () => {
  const expired = lease6([entry("2026-12-03T11:30:00Z"), entry("2026-12-03T11:59:00Z")]);
  assert.equal(expiredAt(expired, now), "2026-12-03T11:59:00Z");
  const current = lease6([entry("2026-12-03T11:30:00Z"), entry("2026-12-03T13:00:00Z")]);
  assert.equal(expiredAt(current, now), undefined);
  assert.equal(expiredAt(lease6([]), now), undefined);
});
