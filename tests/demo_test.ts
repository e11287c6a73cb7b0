/**
 * `deno task demo` runs to the end as a user runs it (its own control plane, kea, dhcpcd, the
 * operator and agents) and leaves nothing behind.
 */
import assert from "node:assert/strict";

Deno.test("deno task demo runs to the end and cleans up", async () => {
  // The testbed's namespaces are named dhcpt-<id>-…; other software's are not ours to check.
  const namespaces = async () =>
    new TextDecoder().decode(
      (await new Deno.Command("ip", { args: ["netns", "list"], stdout: "piped" }).output()).stdout,
    ).split("\n").filter((line) => line.startsWith("dhcpt-")).sort();
  const before = await namespaces();
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "demo"],
    cwd: new URL("../", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const output = new TextDecoder().decode(result.stdout);
  const errors = new TextDecoder().decode(result.stderr);
  assert.equal(result.code, 0, `${output}\n${errors}`);
  for (const node of ["node-a", "node-b", "node-c"]) {
    assert.match(output, new RegExp(`name: dhcp-pool-${node}`));
  }
  assert.match(output, /- cidr: 2001:db8:1f00::\/56/);
  assert.match(output, /node-b's pool carried 2001:db8:1f00::\/56 \d+ ms after the change/);
  assert.match(output, /demo finished/);
  assert.deepEqual(await namespaces(), before, "the demo removed its network namespaces");
});
