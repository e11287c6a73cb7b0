/** The decoder on lease files captured from a real dhcpcd (tests/fixtures/leases/README.md). */
import assert from "node:assert/strict";
import { decodeLease4 } from "./dhcp4.ts";
import { decodeLease6 } from "./dhcp6.ts";

const FIXTURES = new URL("../../../tests/fixtures/leases/", import.meta.url);
const obtainedAt = new Date("2026-11-30T12:00:00Z");

async function fixture(name: string) {
  return {
    bytes: await Deno.readFile(new URL(name, FIXTURES)),
    source: { file: name, obtainedAt },
  };
}

Deno.test("real dhcpcd DHCPv4 lease: every value the kea configuration hands out", async () => {
  const { bytes, source } = await fixture("eth0.lease");
  const { lease, warnings } = decodeLease4(bytes, source);
  assert.deepEqual(warnings, []);
  assert.deepEqual(lease, {
    ip: "198.51.100.100",
    len: 24,
    routers: ["198.51.100.1"],
    classless_routes: [],
    static_routes: [],
    dns: ["198.51.100.53"],
    domain: "example.test",
    search: ["example.test", "lab.example.test"],
    ntp: ["198.51.100.123"],
    server_id: "198.51.100.1",
    lease_time: 600,
    t1: 150,
    t2: 240,
    obtained_at: "2026-11-30T12:00:00Z",
    valid_until: "2026-11-30T12:10:00Z",
  });
});

Deno.test("real dhcpcd DHCPv6 lease: address, delegated prefix, lifetimes, options", async () => {
  const { bytes, source } = await fixture("eth0.lease6");
  const { lease, warnings } = decodeLease6(bytes, source);
  assert.deepEqual(warnings, []);
  const entry = (ip: string, len: number, iaid: string) => ({
    ip,
    len,
    preferred_lifetime: 300,
    valid_lifetime: 600,
    preferred_until: "2026-11-30T12:05:00Z",
    valid_until: "2026-11-30T12:10:00Z",
    iaid,
  });
  assert.deepEqual(lease.address6, [entry("2001:db8::1000", 128, "00000001")]);
  assert.deepEqual(lease.prefix6, [entry("2001:db8:1000::", 56, "00000002")]);
  assert.deepEqual(lease.ia, [
    { kind: "na", iaid: "00000001", t1: 150, t2: 240, status_code: 0 },
    { kind: "pd", iaid: "00000002", t1: 150, t2: 240, status_code: 0 },
  ]);
  assert.deepEqual(lease.dns, ["2001:db8::53"]);
  assert.deepEqual(lease.search, ["example.test"]);
  assert.deepEqual(lease.ntp, ["2001:db8::123"]);
  assert.deepEqual([lease.t1, lease.t2], [150, 240]);
  assert.match(lease.server_id!, /^00:01:00:01(:[0-9a-f]{2}){10}$/);
});

Deno.test("real dhcpcd DHCPv6 lease after a prefix change: the withdrawn prefix is left out", async () => {
  const { bytes, source } = await fixture("eth0.after-prefix-change.lease6");
  const { lease } = decodeLease6(bytes, source);
  assert.deepEqual(lease.prefix6.map((prefix) => `${prefix.ip}/${prefix.len}`), [
    "2001:db8:1f00::/56",
  ]);
  // The file really carries the old prefix with lifetime 0 (IAPREFIX: ..., 56, 2001:db8:1000::).
  const old = [0, 0, 0, 0, 0, 0, 0, 0, 56, 0x20, 0x01, 0x0d, 0xb8, 0x10, 0x00];
  assert.ok(bytes.join(",").includes(old.join(",")));
});
