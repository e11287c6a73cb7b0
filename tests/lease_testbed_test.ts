/**
 * The agent's lease reader on a real dhcpcd talking to a real kea (the DHCP testbed, root only):
 * the watcher's interfaces carry what the server handed out, a delegated prefix change is emitted
 * (the withdrawn prefix left out), a release empties the node. Prints the delay from dhcpcd's write
 * of the lease file to the watcher's callback. Uses only the testbed's public API, so it holds for
 * any kea configuration within the testbed's documented ranges.
 */
import assert from "node:assert/strict";
import ipaddr from "ipaddr.js";
import { type LeaseDirectoryState, watchLeaseDirectory } from "../src/agent/lease_dir.ts";
import type { Interface } from "../src/shared/model.ts";
import { DhcpTestbed } from "./testbed/dhcp.ts";
import { waitFor } from "./support/cluster.ts";

const inRange = (address: string, cidr: string) =>
  ipaddr.parse(address).match(ipaddr.parseCIDR(cidr));
const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;
const prefixesOf = (iface: Interface | undefined) =>
  iface?.lease6?.prefix6.map((prefix) => `${prefix.ip}/${prefix.len}`) ?? [];

Deno.test("lease watcher on real dhcpcd leases: values, a prefix change, a release", async () => {
  const testbed = await DhcpTestbed.start({ nodes: [{ name: "node-0" }] });
  const states: { at: number; state: LeaseDirectoryState }[] = [];
  let watcher: { stop(): Promise<void> } | undefined;
  try {
    await testbed.waitForLeases("node-0");
    const dir = testbed.leaseDir("node-0");
    watcher = watchLeaseDirectory(dir, (state) => states.push({ at: Date.now(), state }));
    const latest = () => states.at(-1)?.state;
    await waitFor("the first state", () => latest()?.interfaces[0]?.lease6 !== undefined);
    const [iface] = latest()!.interfaces;
    assert.deepEqual(latest()!.problems, []);

    const lease4 = iface.lease4!;
    assert.ok(inRange(lease4.ip ?? "", "198.51.100.0/24"), String(lease4.ip));
    assert.equal(lease4.len, 24);
    assert.deepEqual(lease4.routers, ["198.51.100.1"]);
    assert.equal(lease4.server_id, "198.51.100.1");
    assert.ok(lease4.dns.length > 0 && lease4.dns.every((dns) => inRange(dns, "198.51.100.0/24")));
    assert.ok(lease4.domain);
    assert.ok(lease4.search.length > 0);
    assert.deepEqual(lease4.ntp, ["198.51.100.123"]);
    assert.ok(0 < lease4.t1 && lease4.t1 < lease4.t2 && lease4.t2 < lease4.lease_time);
    assert.equal(seconds(lease4.obtained_at, lease4.valid_until), lease4.lease_time);

    const lease6 = iface.lease6!;
    assert.deepEqual(prefixesOf(iface), await testbed.delegatedPrefixes("node-0"));
    assert.equal(lease6.address6.length, 1);
    assert.ok(inRange(lease6.address6[0].ip, "2001:db8::/32"), lease6.address6[0].ip);
    assert.equal(lease6.address6[0].len, 128);
    assert.ok(lease6.dns.length > 0 && lease6.dns.every((dns) => inRange(dns, "2001:db8::/32")));
    assert.ok(lease6.search.length > 0);
    assert.ok(lease6.ntp.length > 0);
    assert.match(lease6.server_id ?? "", /^00:0[1-4](:[0-9a-f]{2})+$/);
    assert.ok(0 < lease6.t1 && lease6.t1 <= lease6.t2);
    for (const entry of [...lease6.address6, ...lease6.prefix6]) {
      assert.ok(0 < entry.preferred_lifetime && entry.preferred_lifetime <= entry.valid_lifetime);
      assert.equal(seconds(lease6.obtained_at, entry.preferred_until), entry.preferred_lifetime);
      assert.equal(seconds(lease6.obtained_at, entry.valid_until), entry.valid_lifetime);
    }

    const reported = states.length;
    await testbed.setDelegatedPrefix("node-0", "2001:db8:1f00::/56");
    await waitFor(
      "the watcher to emit the new prefix alone",
      () => prefixesOf(latest()?.interfaces[0]).join() === "2001:db8:1f00::/56",
    );
    const emitted = states.at(-1)!.at;
    const written = (await Deno.stat(`${dir}/${iface.name}.lease6`)).mtime!.getTime();
    console.log(
      `lease6 written → watcher callback: ${
        emitted - written
      } ms (read at once, default 100 ms window; ` +
        `${states.length - reported} report(s) for the change)`,
    );
    assert.deepEqual(latest()!.problems, []);

    await testbed.release("node-0");
    await waitFor("the watcher to see the release", () => latest()?.interfaces.length === 0);
  } finally {
    await watcher?.stop();
    await testbed.stop();
  }
});
