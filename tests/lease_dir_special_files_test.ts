/**
 * The lease directory reader never blocks and never skips quietly: FIFOs, symbolic links,
 * directories, files larger than a DHCP message and hidden names are each reported as a problem;
 * an expired lease is reported as a warning; link-local servers carry the interface as zone.
 */
import assert from "node:assert/strict";
import { type LeaseDirectoryState, readLeaseDirectory } from "../src/agent/lease_dir.ts";
import {
  addressBytes,
  message4,
  message6,
  option4,
  option6,
  uint,
} from "../src/agent/lease/test_messages.ts";

const lease4 = message4("198.51.100.23", [
  option4(1, addressBytes("255.255.255.0")),
  option4(51, uint(3600, 4)),
]);

/** How long the reading process may take before it counts as blocked (generous: shared CPU). */
const READ_BOUND_MS = 60_000;

async function mkfifo(path: string) {
  const { success } = await new Deno.Command("mkfifo", { args: [path] }).output();
  assert.ok(success, "mkfifo");
}

/** Reads `dir` in a process of its own; fails when it has not finished within the bound. */
async function readInOwnProcess(dir: string): Promise<LeaseDirectoryState> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      new URL("./support/read_lease_dir.ts", import.meta.url).pathname,
      dir,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const blocked = new Promise<"blocked">((resolve) => {
    timer = setTimeout(() => resolve("blocked"), READ_BOUND_MS);
  });
  const output = child.output();
  const outcome = await Promise.race([output, blocked]);
  clearTimeout(timer);
  if (outcome === "blocked") {
    child.kill("SIGKILL");
    await output;
    assert.fail(`reading ${dir} did not finish within ${READ_BOUND_MS} ms: it blocked`);
  }
  assert.ok(outcome.success, "the reading process failed");
  return JSON.parse(new TextDecoder().decode(outcome.stdout));
}

Deno.test("special files named like leases are reported as problems, and nothing blocks", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/eth0.lease`, lease4);
    // Listed like any entry, so the FIFO is reached by opening it (as when a file is swapped for
    // a FIFO between listing and opening): the opened file's type is what counts.
    await mkfifo(`${dir}/eth1.lease`);
    await Deno.symlink(`${dir}/eth0.lease`, `${dir}/eth2.lease`);
    await Deno.mkdir(`${dir}/eth3.lease6`);
    // A sparse file of 1 GiB: refused by its size, never read.
    await Deno.writeFile(`${dir}/eth4.lease`, new Uint8Array());
    await Deno.truncate(`${dir}/eth4.lease`, 2 ** 30);
    await Deno.writeFile(`${dir}/.eth5.lease`, lease4);
    await Deno.writeFile(`${dir}/.lease`, lease4);
    const state = await readInOwnProcess(dir);
    assert.deepEqual(state.interfaces.map((iface) => iface.name), ["eth0"]);
    const problems = Object.fromEntries(
      state.problems.map((problem) => [problem.file.slice(dir.length + 1), problem.message]),
    );
    assert.deepEqual(Object.keys(problems).sort(), [
      ".eth5.lease",
      ".lease",
      "eth1.lease",
      "eth2.lease",
      "eth3.lease6",
      "eth4.lease",
    ]);
    assert.match(problems["eth1.lease"], /it is a FIFO, not a regular file/);
    assert.match(problems["eth2.lease"], /it is a symbolic link \(not followed\)/);
    assert.match(problems["eth3.lease6"], /it is a directory, not a regular file/);
    assert.match(problems["eth4.lease"], /it holds 1073741824 bytes, more than a DHCP message/);
    assert.match(problems[".eth5.lease"], /hidden file/);
    assert.match(problems[".lease"], /hidden file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an expired lease is held with a warning; link-local servers get the zone", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/eth0.lease`, lease4);
    await Deno.writeFile(`${dir}/eth0.lease6`, message6([option6(23, addressBytes("fe80::53"))]));
    const obtained = (await Deno.stat(`${dir}/eth0.lease`)).mtime!;
    const later = new Date(obtained.getTime() + 3601_000);
    const state = await readLeaseDirectory(dir, { now: () => later });
    assert.equal(state.interfaces[0].lease4?.ip, "198.51.100.23");
    assert.deepEqual(state.interfaces[0].lease6?.dns, ["fe80::53%eth0"]);
    assert.equal(state.warnings.length, 1);
    assert.equal(state.warnings[0].file, `${dir}/eth0.lease`);
    assert.match(
      state.warnings[0].message,
      /^the lease expired at \S+Z \(dhcpcd has not renewed it\)$/,
    );
    const before = await readLeaseDirectory(dir, { now: () => obtained });
    assert.deepEqual(before.warnings, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
