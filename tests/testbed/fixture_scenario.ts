/**
 * The DHCP testbed configuration the lease fixtures in tests/fixtures/leases/ are captured with
 * (`tests/testbed/capture_fixtures.ts`). The decoder's fixture tests derive what they expect from
 * these values, so every value in a fixture traces back to the kea configuration that produced it.
 *
 * @module
 */
import type { TestbedNode, TestbedOptions } from "./dhcp.ts";

/** A node of the scenario: its testbed settings and the prefix kea delegates to it first. */
export interface FixtureNode extends Required<TestbedNode> {
  /** The /56 kea delegates to it (the testbed's per-node default). */
  prefix: string;
}

/** Two nodes: one on `eth0`, one on a VLAN-named `eth0.100`, each with reservations. */
export const FIXTURE_NODES: FixtureNode[] = [
  {
    name: "fixture-a",
    interface: "eth0",
    address4: "198.51.100.10",
    address6: "2001:db8::100",
    prefix: "2001:db8:1000::/56",
  },
  {
    name: "fixture-b",
    interface: "eth0.100",
    address4: "198.51.100.11",
    address6: "2001:db8::101",
    prefix: "2001:db8:1100::/56",
  },
];

/** The testbed options: lifetimes, the servers' options and a DUID-EN server identifier. */
export const FIXTURE_TESTBED: TestbedOptions = {
  nodes: FIXTURE_NODES.map(({ prefix: _prefix, ...node }) => node),
  lifetimes: { preferred: 1800, valid: 3600, renew: 900, rebind: 1440 },
  serverOptions: {
    domain: "example.net",
    search4: ["example.net", "lab.example.net"],
    search6: ["example.net", "lab.example.net"],
    dns4: ["198.51.100.53", "198.51.100.54"],
    dns6: ["2001:db8::53", "2001:db8::54"],
    ntp4: ["198.51.100.123"],
    sntp6: ["2001:db8::123"],
    serverId6: { enterpriseId: 2495, identifier: "0102030405060708" },
  },
};

/** The prefix change captured into prefix-change/: the first node's new delegated prefix. */
export const FIXTURE_PREFIX_CHANGE = { node: FIXTURE_NODES[0], prefix: "2001:db8:1f00::/56" };
