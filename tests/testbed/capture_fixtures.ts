/**
 * Captures real dhcpcd lease files for the decoder's unit tests:
 * `deno run --allow-all tests/testbed/capture_fixtures.ts` (as root) runs the DHCP testbed with
 * the configuration of `fixture_scenario.ts` and replaces tests/fixtures/leases/ with what dhcpcd
 * wrote: `initial/` (both nodes) and `prefix-change/` (the first node after its delegated prefix
 * changed). See tests/fixtures/leases/README.md.
 *
 * @module
 */
import { DhcpTestbed } from "./dhcp.ts";
import { FIXTURE_NODES, FIXTURE_PREFIX_CHANGE, FIXTURE_TESTBED } from "./fixture_scenario.ts";

const FIXTURES = new URL("../fixtures/leases/", import.meta.url).pathname;

/** Copies the node's `<interface>.lease` and `.lease6` into `target`. */
async function copyLeases(testbed: DhcpTestbed, node: string, target: string) {
  const iface = testbed.interfaceName(node);
  await Deno.mkdir(target, { recursive: true });
  for (const file of [`${iface}.lease`, `${iface}.lease6`]) {
    await Deno.copyFile(`${testbed.leaseDir(node)}/${file}`, `${target}/${file}`);
  }
}

const testbed = await DhcpTestbed.start(FIXTURE_TESTBED);
try {
  for (const node of FIXTURE_NODES) await testbed.waitForLeases(node.name);
  for (const dir of ["initial", "prefix-change"]) {
    await Deno.remove(`${FIXTURES}/${dir}`, { recursive: true }).catch(() => {});
  }
  for (const node of FIXTURE_NODES) {
    await copyLeases(testbed, node.name, `${FIXTURES}/initial`);
  }
  const { node, prefix } = FIXTURE_PREFIX_CHANGE;
  await testbed.setDelegatedPrefix(node.name, prefix);
  await copyLeases(testbed, node.name, `${FIXTURES}/prefix-change`);
  console.log(`captured into ${FIXTURES}`);
} finally {
  await testbed.stop();
}
