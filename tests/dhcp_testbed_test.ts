/**
 * The real DHCP testbed (kea + dhcpcd in network namespaces) and the agent's lease reader on
 * what dhcpcd really writes: values match the kea configuration, a prefix change and a release
 * are seen by the watcher, and the host is left exactly as it was.
 */
import assert from "node:assert/strict";
import { type LeaseDirectoryState, watchLeaseDirectory } from "../src/agent/lease_dir.ts";
import { DhcpTestbed } from "./testbed/dhcp.ts";
import { waitFor } from "./support/cluster.ts";

async function hostState() {
  // The testbed's namespaces are named dhcpt-<id>-…; other software's are not ours to check.
  const namespaces = new TextDecoder().decode(
    (await new Deno.Command("ip", { args: ["netns", "list"], stdout: "piped" }).output()).stdout,
  ).split("\n").filter((line) => line.startsWith("dhcpt-")).sort();
  const hostLeases = [...Deno.readDirSync("/var/lib/dhcpcd")].map((entry) => entry.name).sort();
  return { resolvConf: await Deno.readFile("/etc/resolv.conf"), namespaces, hostLeases };
}

Deno.test("kea + dhcpcd: real leases, a prefix change, a release; the host untouched", async () => {
  const before = await hostState();
  const testbed = await DhcpTestbed.start({ nodes: [{ name: "node-a" }, { name: "node-b" }] });
  const states: LeaseDirectoryState[] = [];
  let watcher: { stop(): Promise<void> } | undefined;
  try {
    await Promise.all(["node-a", "node-b"].map((node) => testbed.waitForLeases(node)));
    watcher = watchLeaseDirectory(testbed.leaseDir("node-b"), (state) => states.push(state), {
      coalesceMs: 20,
    });
    await waitFor("the watcher's first state", () => states.length > 0);
    const [eth0] = states[0].interfaces;
    assert.equal(eth0.name, "eth0");
    // What the kea configuration of the testbed hands out.
    assert.match(eth0.lease4!.ip ?? "", /^198\.51\.100\.(1\d\d|2[0-4]\d|250)$/);
    assert.equal(eth0.lease4!.len, 24);
    assert.deepEqual(eth0.lease4!.routers, ["198.51.100.1"]);
    assert.deepEqual(eth0.lease4!.dns, ["198.51.100.53"]);
    assert.equal(eth0.lease4!.domain, "example.test");
    assert.deepEqual(eth0.lease4!.search, ["example.test", "lab.example.test"]);
    assert.deepEqual(eth0.lease4!.ntp, ["198.51.100.123"]);
    assert.equal(eth0.lease4!.lease_time, 600);
    assert.deepEqual([eth0.lease4!.t1, eth0.lease4!.t2], [150, 240]);
    const lease6 = eth0.lease6!;
    assert.deepEqual(lease6.prefix6.map((prefix) => `${prefix.ip}/${prefix.len}`), [
      "2001:db8:1100::/56",
    ]);
    assert.deepEqual(
      [lease6.prefix6[0].preferred_lifetime, lease6.prefix6[0].valid_lifetime],
      [300, 600],
    );
    assert.equal(lease6.address6.length, 1);
    assert.match(lease6.address6[0].ip, /^2001:db8::1[0-9a-f]{3}$/);
    assert.deepEqual(lease6.dns, ["2001:db8::53"]);
    assert.deepEqual(lease6.search, ["example.test"]);
    assert.deepEqual(lease6.ntp, ["2001:db8::123"]);
    assert.deepEqual([lease6.t1, lease6.t2], [150, 240]);
    assert.match(lease6.server_id ?? "", /^00:01:00:01(:[0-9a-f]{2})+$/);
    assert.equal(
      Date.parse(lease6.prefix6[0].valid_until) - Date.parse(lease6.obtained_at),
      600_000,
    );

    await testbed.setDelegatedPrefix("node-b", "2001:db8:1f00::/56");
    await waitFor(
      "the watcher to see the new prefix",
      () =>
        states.at(-1)?.interfaces[0]?.lease6?.prefix6.some((prefix) =>
          prefix.ip === "2001:db8:1f00::"
        ) ?? false,
    );

    await testbed.release("node-b");
    await waitFor("the watcher to see the release", () => states.at(-1)?.interfaces.length === 0);
  } finally {
    await watcher?.stop();
    await testbed.stop();
  }
  const after = await hostState();
  assert.deepEqual(after.resolvConf, before.resolvConf, "/etc/resolv.conf is unchanged");
  assert.deepEqual(after.namespaces, before.namespaces, "every namespace is removed");
  assert.deepEqual(after.hostLeases, before.hostLeases, "the host's lease directory is untouched");
  const leftovers = new TextDecoder().decode(
    (await new Deno.Command("pgrep", { args: ["-f", "dhcpt-testbed-"], stdout: "piped" }).output())
      .stdout,
  );
  assert.equal(leftovers.trim(), "", "no process of the testbed is left");
});
