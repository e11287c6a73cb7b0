/**
 * Captures real dhcpcd lease files for the decoder's unit tests:
 * `deno run --allow-all tests/testbed/capture_fixtures.ts` (as root) runs the DHCP testbed and
 * copies what dhcpcd wrote into tests/fixtures/leases/, before and after a prefix change.
 *
 * @module
 */
import { DhcpTestbed } from "./dhcp.ts";

const FIXTURES = new URL("../fixtures/leases/", import.meta.url).pathname;

const testbed = await DhcpTestbed.start({ nodes: [{ name: "fixture" }] });
try {
  await testbed.waitForLeases("fixture");
  const dir = testbed.leaseDir("fixture");
  await Deno.mkdir(FIXTURES, { recursive: true });
  await Deno.copyFile(`${dir}/eth0.lease`, `${FIXTURES}/eth0.lease`);
  await Deno.copyFile(`${dir}/eth0.lease6`, `${FIXTURES}/eth0.lease6`);
  await testbed.setDelegatedPrefix("fixture", "2001:db8:1f00::/56");
  await Deno.copyFile(`${dir}/eth0.lease6`, `${FIXTURES}/eth0.after-prefix-change.lease6`);
  console.log(`captured into ${FIXTURES}`);
} finally {
  await testbed.stop();
}
