/**
 * The decoder on the lease files the DHCP testbed captured from dhcpcd 9.4.1 and Kea 2.2.0 for two
 * nodes (`eth0`, `eth0.100`) and after a prefix change; the expected values are the Kea
 * configuration in tests/fixtures/leases/README.md.
 */
import assert from "node:assert/strict";
import type { Lease4, Lease6, LeasedAddress } from "../../shared/model.ts";
import { decodeLease4 } from "./dhcp4.ts";
import { decodeLease6 } from "./dhcp6.ts";

const FIXTURES = new URL("../../../tests/fixtures/leases/", import.meta.url);
const obtainedAt = new Date("2026-11-30T12:00:00Z");

async function decode4(name: string) {
  const bytes = await Deno.readFile(new URL(name, FIXTURES));
  return decodeLease4(bytes, { file: name, obtainedAt });
}

async function decode6(name: string) {
  const bytes = await Deno.readFile(new URL(name, FIXTURES));
  return { bytes, ...decodeLease6(bytes, { file: name, obtainedAt }) };
}

/** What kea-dhcp4 hands out to the node with `ip` (lease time 3600 s, T1 900 s, T2 1440 s). */
const lease4 = (ip: string): Lease4 => ({
  ip,
  len: 24,
  routers: ["198.51.100.1"],
  classless_routes: [],
  static_routes: [],
  dns: ["198.51.100.53", "198.51.100.54"],
  domain: "example.net",
  search: ["example.net", "lab.example.net"],
  ntp: ["198.51.100.123"],
  server_id: "198.51.100.1",
  lease_time: 3600,
  t1: 900,
  t2: 1440,
  obtained_at: "2026-11-30T12:00:00Z",
  valid_until: "2026-11-30T13:00:00Z",
});

/** An address or prefix with kea-dhcp6's lifetimes (preferred 1800 s, valid 3600 s). */
const entry = (ip: string, len: number, iaid: string): LeasedAddress => ({
  ip,
  len,
  preferred_lifetime: 1800,
  valid_lifetime: 3600,
  preferred_until: "2026-11-30T12:30:00Z",
  valid_until: "2026-11-30T13:00:00Z",
  iaid,
});

/** What kea-dhcp6 hands out: the reserved address and prefix, T1 900 s, T2 1440 s, options. */
const lease6 = (address: string, prefix: string): Lease6 => ({
  temporary6: [],
  ia: [
    { kind: "na", iaid: "00000001", t1: 900, t2: 1440, status_code: 0 },
    { kind: "pd", iaid: "00000002", t1: 900, t2: 1440, status_code: 0 },
  ],
  address6: [entry(address, 128, "00000001")],
  prefix6: [entry(prefix, 56, "00000002")],
  dns: ["2001:db8:1::53", "2001:db8:1::54"],
  search: ["example.net", "lab.example.net"],
  // SNTP (31) and the NTP server address sub-option of option 56 name the same server; the
  // FQDN sub-option (ntp.example.net) is not taken.
  ntp: ["2001:db8:1::123"],
  server_id: "00:02:00:00:09:bf:01:02:03:04:05:06:07:08",
  t1: 900,
  t2: 1440,
  obtained_at: "2026-11-30T12:00:00Z",
});

Deno.test("testbed fixtures: both nodes' DHCPv4 leases carry their reservation", async () => {
  for (const [file, ip] of [["eth0", "198.51.100.10"], ["eth0.100", "198.51.100.11"]]) {
    const { lease, warnings } = await decode4(`initial/${file}.lease`);
    assert.deepEqual(warnings, [], file);
    assert.deepEqual(lease, lease4(ip), file);
  }
});

Deno.test("testbed fixtures: both nodes' DHCPv6 leases carry their address and prefix", async () => {
  for (
    const [file, address, prefix] of [
      ["eth0", "2001:db8:1::100", "2001:db8:1000::"],
      ["eth0.100", "2001:db8:1::101", "2001:db8:1100::"],
    ]
  ) {
    const { lease, warnings } = await decode6(`initial/${file}.lease6`);
    assert.deepEqual(warnings, [], file);
    assert.deepEqual(lease, lease6(address, prefix), file);
  }
});

Deno.test("testbed fixtures: after the prefix change only the new prefix is held", async () => {
  const { bytes, lease, warnings } = await decode6("prefix-change/eth0.lease6");
  assert.deepEqual(warnings, []);
  assert.deepEqual(lease, lease6("2001:db8:1::100", "2001:db8:1f00::"));
  // The file does carry the withdrawn prefix, with lifetimes 0 (IAPREFIX: 0, 0, 56, 2001:db8:1000::).
  const withdrawn = [0, 0, 0, 0, 0, 0, 0, 0, 56, 0x20, 0x01, 0x0d, 0xb8, 0x10, 0x00];
  assert.ok(bytes.join(",").includes(withdrawn.join(",")));
  assert.deepEqual((await decode4("prefix-change/eth0.lease")).lease, lease4("198.51.100.10"));
});
