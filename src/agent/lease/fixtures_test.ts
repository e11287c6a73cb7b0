/**
 * The decoder on lease files dhcpcd wrote in the DHCP testbed (tests/fixtures/leases/README.md).
 * Every expected value is derived from the testbed configuration the fixtures were captured with
 * (tests/testbed/fixture_scenario.ts): the reservations, lifetimes, options and server identifier
 * kea was given.
 */
import assert from "node:assert/strict";
import ipaddr from "ipaddr.js";
import type { Lease4, Lease6, LeasedAddress } from "../../shared/model.ts";
import {
  DHCPCD_IAIDS,
  SERVER_ADDRESS4,
  type TestbedServerOptions,
} from "../../../tests/testbed/dhcp.ts";
import {
  FIXTURE_NODES,
  FIXTURE_PREFIX_CHANGE,
  FIXTURE_TESTBED,
} from "../../../tests/testbed/fixture_scenario.ts";
import { decodeLease4 } from "./dhcp4.ts";
import { decodeLease6 } from "./dhcp6.ts";

const FIXTURES = new URL("../../../tests/fixtures/leases/", import.meta.url);
const obtainedAt = new Date("2026-11-30T12:00:00Z");
const options = FIXTURE_TESTBED.serverOptions as Required<TestbedServerOptions>;
const { preferred, valid, renew, rebind } = FIXTURE_TESTBED.lifetimes!;

async function decode4(name: string) {
  const bytes = await Deno.readFile(new URL(name, FIXTURES));
  return decodeLease4(bytes, { file: name, obtainedAt });
}

async function decode6(name: string) {
  const bytes = await Deno.readFile(new URL(name, FIXTURES));
  return { bytes, ...decodeLease6(bytes, { file: name, obtainedAt }) };
}

/** `obtainedAt` plus `seconds`, as the decoder writes times. */
function after(seconds: number): string {
  return new Date(obtainedAt.getTime() + seconds * 1000).toISOString().replace(".000Z", "Z");
}

/** What kea-dhcp4 hands out to a node with the reservation `ip`. */
const lease4 = (ip: string): Lease4 => ({
  ip,
  len: 24,
  routers: [SERVER_ADDRESS4],
  classless_routes: [],
  static_routes: [],
  dns: options.dns4,
  domain: options.domain,
  search: options.search4,
  ntp: options.ntp4,
  server_id: SERVER_ADDRESS4,
  lease_time: valid,
  t1: renew!,
  t2: rebind!,
  obtained_at: after(0),
  valid_until: after(valid),
});

/** An IAID as the decoder writes it (8 hex digits). */
const iaid = (value: number) => value.toString(16).padStart(8, "0");

/** An address or prefix with kea-dhcp6's lifetimes, in the IA with dhcpcd's IAID `ia`. */
const entry = (cidr: string, ia: number): LeasedAddress => ({
  ip: cidr.split("/")[0],
  len: Number(cidr.split("/")[1]),
  preferred_lifetime: preferred,
  valid_lifetime: valid,
  preferred_until: after(preferred),
  valid_until: after(valid),
  iaid: iaid(ia),
});

/** kea-dhcp6's configured DUID-EN: type 2, the enterprise number, the identifier. */
function serverDuid(): string {
  const { enterpriseId, identifier } = options.serverId6;
  const hex = "0002" + enterpriseId.toString(16).padStart(8, "0") + identifier;
  return hex.match(/../g)!.join(":");
}

/** What kea-dhcp6 hands out: the reserved address and prefix, the timers and the options. */
const lease6 = (address: string, prefix: string): Lease6 => ({
  temporary6: [],
  ia: [
    { kind: "na", iaid: iaid(DHCPCD_IAIDS.na), t1: renew!, t2: rebind!, status_code: 0 },
    { kind: "pd", iaid: iaid(DHCPCD_IAIDS.pd), t1: renew!, t2: rebind!, status_code: 0 },
  ],
  address6: [entry(`${address}/128`, DHCPCD_IAIDS.na)],
  prefix6: [entry(prefix, DHCPCD_IAIDS.pd)],
  dns: options.dns6,
  search: options.search6,
  ntp: options.sntp6,
  server_id: serverDuid(),
  t1: renew!,
  t2: rebind!,
  obtained_at: after(0),
});

Deno.test("testbed fixtures: both nodes' DHCPv4 leases carry their reservation and kea's options", async () => {
  for (const node of FIXTURE_NODES) {
    const { lease, warnings } = await decode4(`initial/${node.interface}.lease`);
    assert.deepEqual(warnings, [], node.interface);
    assert.deepEqual(lease, lease4(node.address4), node.interface);
  }
});

Deno.test("testbed fixtures: both nodes' DHCPv6 leases carry their address, prefix and options", async () => {
  for (const node of FIXTURE_NODES) {
    const { lease, warnings } = await decode6(`initial/${node.interface}.lease6`);
    assert.deepEqual(warnings, [], node.interface);
    assert.deepEqual(lease, lease6(node.address6, node.prefix), node.interface);
  }
});

Deno.test("testbed fixtures: after the prefix change only the new prefix is held", async () => {
  const { node, prefix } = FIXTURE_PREFIX_CHANGE;
  const { bytes, lease, warnings } = await decode6(`prefix-change/${node.interface}.lease6`);
  assert.deepEqual(warnings, []);
  assert.deepEqual(lease, lease6(node.address6, prefix));
  // The file does carry the withdrawn prefix, with lifetimes 0 (IAPREFIX: 0, 0, 56, old prefix).
  const [oldIp, oldLength] = node.prefix.split("/");
  const withdrawn = [
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    Number(oldLength),
    ...ipaddr.parse(oldIp).toByteArray(),
  ];
  assert.ok(bytes.join(",").includes(withdrawn.join(",")), "the withdrawn prefix is in the file");
  const { lease: v4 } = await decode4(`prefix-change/${node.interface}.lease`);
  assert.deepEqual(v4, lease4(node.address4));
});
