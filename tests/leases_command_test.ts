/**
 * `dhcp-template-agent leases` as an admin runs it (the agent's entry point in a subprocess): JSON
 * and YAML of real dhcpcd lease files, a missing directory, a bad flag, and `--watch` printing one
 * document per change until SIGTERM.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import type { LeaseDirectoryState } from "../src/agent/lease_dir.ts";
import { ia, iaPrefix, message6 } from "../src/agent/lease/test_messages.ts";
import { waitFor } from "./support/cluster.ts";
import { FIXTURE_NODES } from "./testbed/fixture_scenario.ts";

const AGENT = new URL("../src/agent/main.ts", import.meta.url).pathname;
const FIXTURES = new URL("./fixtures/leases/initial", import.meta.url).pathname;

function agentLeases(args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", AGENT, "leases", ...args],
    stdout: "piped",
    stderr: "piped",
  });
}

async function run(args: string[]) {
  const { code, stdout, stderr } = await agentLeases(args).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

const summary = (state: LeaseDirectoryState) =>
  state.interfaces.map((iface) => [iface.name, iface.lease4?.ip, iface.lease6?.prefix6[0]?.ip]);

/** The fixtures' interfaces with the reservations kea was configured with. */
const EXPECTED = FIXTURE_NODES.map((node) => [
  node.interface,
  node.address4,
  node.prefix.split("/")[0],
]);

Deno.test("agent leases: JSON and YAML of real dhcpcd leases", async () => {
  const json = await run(["--lease-dir", FIXTURES]);
  assert.equal(json.code, 0, json.stderr);
  const fromJson: LeaseDirectoryState = JSON.parse(json.stdout);
  assert.deepEqual(summary(fromJson), EXPECTED);
  assert.deepEqual(fromJson.problems, []);

  const yaml = await run(["--lease-dir", FIXTURES, "--format", "yaml"]);
  assert.equal(yaml.code, 0, yaml.stderr);
  assert.deepEqual(parse(yaml.stdout), fromJson);
});

Deno.test("agent leases: a missing directory is exit 1, a bad flag exit 2", async () => {
  const missing = await run(["--lease-dir", "/nonexistent/dhcpcd"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Cannot read the lease directory "\/nonexistent\/dhcpcd"/);

  const bad = await run(["--format", "xml"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--format/);
  assert.match(bad.stderr, /usage: dhcp-template-agent leases/);
});

Deno.test("agent leases --watch: one JSON line per change, stops on SIGTERM", async () => {
  const dir = await Deno.makeTempDir();
  const child = agentLeases(["--lease-dir", dir, "--watch"]).spawn();
  const lines: string[] = [];
  const reading = (async () => {
    let pending = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      pending += chunk;
      const parts = pending.split("\n");
      pending = parts.pop()!;
      lines.push(...parts);
    }
  })();
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  try {
    await waitFor("the empty directory", () => lines.length === 1, 30_000);
    assert.deepEqual(JSON.parse(lines[0]), { interfaces: [], problems: [], warnings: [] });
    await Deno.writeFile(
      `${dir}/eth0.lease6`,
      message6([ia(25, 900, 1440, [iaPrefix("2001:db8:1200::", 56, 1800, 3600)])]),
    );
    await waitFor("the new lease", () => lines.length === 2, 10_000);
    const state: LeaseDirectoryState = JSON.parse(lines[1]);
    assert.deepEqual(summary(state), [["eth0", undefined, "2001:db8:1200::"]]);
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    await reading;
    await stderr.cancel();
    await Deno.remove(dir, { recursive: true });
    assert.equal(status.code, 0);
  }
});
