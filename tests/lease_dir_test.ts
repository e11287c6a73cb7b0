/**
 * The lease directory reader and watcher on real files: decoding, VLAN interfaces, a file
 * truncated mid-write (last good lease kept), a released lease, a missing directory.
 */
import assert from "node:assert/strict";
import {
  type LeaseDirectoryError,
  type LeaseDirectoryState,
  readLeaseDirectory,
  watchLeaseDirectory,
} from "../src/agent/lease_dir.ts";
import {
  addressBytes,
  ia,
  iaPrefix,
  message4,
  message6,
  option4,
  uint,
} from "../src/agent/lease/test_messages.ts";
import { waitFor } from "./support/cluster.ts";
import { FIXTURE_NODES } from "./testbed/fixture_scenario.ts";

const lease4 = message4("198.51.100.23", [
  option4(1, addressBytes("255.255.255.0")),
  option4(51, uint(3600, 4)),
]);
const lease6 = (prefix: string) =>
  message6([ia(25, 900, 1440, [iaPrefix(prefix, 56, 1800, 3600)])]);

/**
 * Writes a file the way dhcpcd does (`writefile` in its common.c): in place, opened with
 * O_TRUNC, one write, close — never a rename.
 */
async function writeInPlace(path: string, bytes: Uint8Array) {
  await Deno.writeFile(path, bytes);
}

const prefixes = (state: LeaseDirectoryState | undefined) =>
  state?.interfaces.flatMap((iface) =>
    (iface.lease6?.prefix6 ?? []).map((prefix) => `${iface.name} ${prefix.ip}/${prefix.len}`)
  ) ?? [];

Deno.test("reading a lease directory: v4 and v6 merge, a VLAN is its own interface", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/eth0.lease`, lease4);
    await Deno.writeFile(`${dir}/eth0.lease6`, lease6("2001:db8:1200::"));
    await Deno.writeFile(`${dir}/eth0.100.lease6`, lease6("2001:db8:1300::"));
    await Deno.writeTextFile(`${dir}/duid`, "00:01:00:01");
    await Deno.writeFile(`${dir}/eth1.lease6`, new Uint8Array([7, 0, 0, 0, 0, 23, 0, 99]));
    const state = await readLeaseDirectory(dir);
    assert.deepEqual(state.interfaces.map((iface) => iface.name), ["eth0", "eth0.100"]);
    assert.equal(state.interfaces[0].lease4?.ip, "198.51.100.23");
    assert.deepEqual(prefixes(state), ["eth0 2001:db8:1200::/56", "eth0.100 2001:db8:1300::/56"]);
    assert.equal(state.problems.length, 1);
    assert.equal(state.problems[0].file, `${dir}/eth1.lease6`);
    assert.match(state.problems[0].message, /at byte 8: option 23 needs 99 byte/);
    const mtime = (await Deno.stat(`${dir}/eth0.lease`)).mtime!;
    assert.equal(
      state.interfaces[0].lease4?.obtained_at,
      new Date(Math.floor(mtime.getTime() / 1000) * 1000).toISOString().replace(".000Z", "Z"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("watching: changes, a truncated write, a released lease, a missing directory", async () => {
  const parent = await Deno.makeTempDir();
  const dir = `${parent}/dhcpcd`;
  const states: LeaseDirectoryState[] = [];
  const errors: LeaseDirectoryError[] = [];
  const watcher = watchLeaseDirectory(dir, (state) => states.push(state), {
    coalesceMs: 20,
    retryMs: 50,
    onError: (error) => errors.push(error),
  });
  const latest = () => states.at(-1);
  try {
    await waitFor("the missing directory to be reported", () => errors.length > 0, 5000);
    assert.match(errors[0].message, /Cannot read the lease directory ".*dhcpcd"/);

    await Deno.mkdir(dir);
    await writeInPlace(`${dir}/eth0.lease6`, lease6("2001:db8:1200::"));
    await waitFor("the first prefix", () => prefixes(latest())[0] === "eth0 2001:db8:1200::/56");

    await writeInPlace(`${dir}/eth0.lease6`, lease6("2001:db8:1400::"));
    await waitFor("the changed prefix", () => prefixes(latest())[0] === "eth0 2001:db8:1400::/56");

    // A write cut off half-way: the last good lease stays, the problem is reported.
    await Deno.writeFile(`${dir}/eth0.lease6`, lease6("2001:db8:1500::").subarray(0, 20));
    await waitFor("the problem", () => (latest()?.problems.length ?? 0) > 0);
    assert.deepEqual(prefixes(latest()), ["eth0 2001:db8:1400::/56"]);
    assert.match(latest()!.problems[0].message, /keeping its last good lease/);

    await Deno.remove(`${dir}/eth0.lease6`);
    await waitFor("the released lease to go", () => latest()?.interfaces.length === 0);
    assert.deepEqual(latest()?.problems, []);
  } finally {
    await watcher.stop();
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("watching: dhcpcd's truncate-then-write is seen as the new lease, no problem left", async () => {
  const dir = await Deno.makeTempDir();
  const states: LeaseDirectoryState[] = [];
  const watcher = watchLeaseDirectory(dir, (state) => states.push(state), { coalesceMs: 10 });
  const latest = () => states.at(-1);
  try {
    await writeInPlace(`${dir}/eth0.lease6`, lease6("2001:db8:1200::"));
    await waitFor("the first prefix", () => prefixes(latest())[0] === "eth0 2001:db8:1200::/56");
    // The moment between open(O_TRUNC) and write(): an empty file.
    const file = await Deno.open(`${dir}/eth0.lease6`, { write: true, truncate: true });
    try {
      await waitFor("the empty file to be reported", () => (latest()?.problems.length ?? 0) > 0);
      assert.deepEqual(prefixes(latest()), ["eth0 2001:db8:1200::/56"]);
      await file.write(lease6("2001:db8:1400::"));
    } finally {
      file.close();
    }
    await waitFor("the new prefix", () => prefixes(latest())[0] === "eth0 2001:db8:1400::/56");
    assert.deepEqual(latest()?.problems, []);
  } finally {
    await watcher.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("watching: a steady stream of writes is still reported (the window does not slide)", async () => {
  const dir = await Deno.makeTempDir();
  const states: LeaseDirectoryState[] = [];
  const watcher = watchLeaseDirectory(dir, (state) => states.push(state), { coalesceMs: 50 });
  try {
    await waitFor("the empty directory", () => states.length === 1);
    // Writes come faster than the window; a sliding window would never fire until they stop.
    let written = 0;
    while (states.length === 1) {
      assert.ok(written < 1000, "no report while the lease file kept changing");
      await writeInPlace(`${dir}/eth0.lease6`, lease6(`2001:db8:${(++written).toString(16)}00::`));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(states[1].interfaces[0].name, "eth0");
  } finally {
    await watcher.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("watching: a lone change is read at once, not when the window ends", async () => {
  const parent = await Deno.makeTempDir();
  const writes = {
    // As dhcpcd 9 writes its leases.
    "in place": (path: string, bytes: Uint8Array) => writeInPlace(path, bytes),
    // As writers that keep the file whole do: the temporary file must not use up the read.
    "renamed into place": async (path: string, bytes: Uint8Array) => {
      await Deno.writeFile(`${path}.new`, bytes);
      await Deno.rename(`${path}.new`, path);
    },
  };
  const watchers = [];
  try {
    for (const [how, write] of Object.entries(writes)) {
      const dir = await Deno.makeTempDir({ dir: parent });
      const states: LeaseDirectoryState[] = [];
      // A window far longer than the wait: only a read at the change itself reports in time.
      const watcher = watchLeaseDirectory(dir, (state) => states.push(state), {
        coalesceMs: 3_600_000,
      });
      watchers.push(watcher);
      await waitFor("the empty directory", () => states.length === 1);
      await write(`${dir}/eth0.lease6`, lease6("2001:db8:1200::"));
      await waitFor(
        `the lease written ${how}`,
        () => prefixes(states.at(-1))[0] === "eth0 2001:db8:1200::/56",
      );
      assert.deepEqual(states.at(-1)?.problems, []);
    }
  } finally {
    for (const watcher of watchers) await watcher.stop();
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("watching: the directory removed and created again is watched again", async () => {
  const parent = await Deno.makeTempDir();
  const dir = `${parent}/dhcpcd`;
  await Deno.mkdir(dir);
  await writeInPlace(`${dir}/eth0.lease6`, lease6("2001:db8:1200::"));
  const states: LeaseDirectoryState[] = [];
  const errors: LeaseDirectoryError[] = [];
  const watcher = watchLeaseDirectory(dir, (state) => states.push(state), {
    coalesceMs: 10,
    retryMs: 50,
    onError: (error) => errors.push(error),
  });
  const latest = () => states.at(-1);
  try {
    await waitFor("the first prefix", () => prefixes(latest())[0] === "eth0 2001:db8:1200::/56");
    await Deno.remove(dir, { recursive: true });
    await waitFor("the removed directory to be reported", () => errors.length > 0);
    await Deno.mkdir(dir);
    await writeInPlace(`${dir}/eth0.lease6`, lease6("2001:db8:1400::"));
    await waitFor("the new prefix", () => prefixes(latest())[0] === "eth0 2001:db8:1400::/56");
  } finally {
    await watcher.stop();
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("reading real dhcpcd files: two interfaces, eth0 and the VLAN eth0.100", async () => {
  const dir = new URL("./fixtures/leases/initial", import.meta.url).pathname;
  const state = await readLeaseDirectory(dir);
  assert.deepEqual(state.problems, []);
  // The reservations kea was configured with when the fixtures were captured.
  assert.deepEqual(
    state.interfaces.map((iface) => [iface.name, iface.lease4?.ip, iface.lease6?.address6[0].ip]),
    FIXTURE_NODES.map((node) => [node.interface, node.address4, node.address6]),
  );
  assert.deepEqual(
    prefixes(state),
    FIXTURE_NODES.map((node) => `${node.interface} ${node.prefix}`),
  );
});

Deno.test("reading: wireless interfaces found in sysfs get their SSID split off the name", async () => {
  const dir = await Deno.makeTempDir();
  const sysClassNet = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${sysClassNet}/wlan0/wireless`, { recursive: true });
    await Deno.mkdir(`${sysClassNet}/br-lan`);
    await Deno.writeFile(`${dir}/wlan0-Home\\040Net.lease`, lease4);
    await Deno.writeFile(`${dir}/wlan0-Office.lease`, lease4);
    await Deno.writeFile(`${dir}/br-lan.lease6`, lease6("2001:db8:1200::"));
    await Deno.utime(`${dir}/wlan0-Home\\040Net.lease`, 1_700_000_000, 1_700_000_000);
    const state = await readLeaseDirectory(dir, { sysClassNet });
    assert.deepEqual(state.problems, []);
    // Of the SSIDs' leases the most recently obtained counts.
    assert.deepEqual(state.interfaces.map((iface) => [iface.name, iface.ssid]), [
      ["br-lan", undefined],
      ["wlan0", "Office"],
    ]);
    const unknown = await readLeaseDirectory(dir, { sysClassNet: `${sysClassNet}/missing` });
    assert.deepEqual(unknown.interfaces.map((iface) => iface.name), ["br-lan", "wlan0-Office"]);
    assert.match(unknown.problems[0].message, /does not name an interface/);
    const configured = await readLeaseDirectory(dir, {
      sysClassNet: `${sysClassNet}/missing`,
      wireless: ["wlan0"],
    });
    assert.deepEqual(configured.interfaces.map((iface) => iface.ssid), [undefined, "Office"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(sysClassNet, { recursive: true });
  }
});

Deno.test("reading: an SSID that is not safe as data is dropped with a warning, never forwarded", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // dhcpcd escapes space as \040 and bytes outside printable ASCII as octal: U+2028 is
    // \342\200\250; the quote and the braces it keeps as they are.
    await Deno.writeFile(`${dir}/wlan0-Bob's\\040{{\\040x\\040}}\\342\\200\\250.lease`, lease4);
    await Deno.writeFile(`${dir}/wlan1-Caf\\303\\251\\040Net.lease`, lease4);
    // Not known as wireless: the whole stem would be the interface name, which it cannot be.
    await Deno.writeFile(`${dir}/wlan2-a:b.lease`, lease4);
    const state = await readLeaseDirectory(dir, {
      sysClassNet: `${dir}/missing`,
      wireless: ["wlan0", "wlan1"],
    });
    assert.deepEqual(state.interfaces.map((iface) => [iface.name, iface.ssid, iface.lease4?.ip]), [
      ["wlan0", undefined, "198.51.100.23"],
      ["wlan1", "Café Net", "198.51.100.23"],
    ]);
    assert.deepEqual(state.warnings.map((warning) => warning.message), [
      'the SSID "Bob\'s {{ x }}\u2028" is not safe to print as data: dropped (the lease is kept ' +
      "without it)",
    ]);
    assert.deepEqual(state.problems.map((problem) => [problem.file, problem.message]), [
      [`${dir}/wlan2-a:b.lease`, "the file name does not name an interface (ignored)"],
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reading: what the decoder repaired is reported as a warning while the lease is held", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Host bits set in the delegated prefix: masked, and said so.
    await writeInPlace(`${dir}/eth0.lease6`, lease6("2001:db8:1200:12::"));
    const state = await readLeaseDirectory(dir);
    assert.deepEqual(prefixes(state), ["eth0 2001:db8:1200::/56"]);
    assert.deepEqual(state.problems, []);
    assert.equal(state.warnings.length, 1);
    assert.equal(state.warnings[0].file, `${dir}/eth0.lease6`);
    assert.match(state.warnings[0].message, /host bits set: masked to 2001:db8:1200::\/56/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("watching: a path that is a file, not a directory, is reported until it becomes one", async () => {
  const parent = await Deno.makeTempDir();
  const dir = `${parent}/dhcpcd`;
  await Deno.writeTextFile(dir, "not a directory");
  const states: LeaseDirectoryState[] = [];
  const errors: LeaseDirectoryError[] = [];
  const watcher = watchLeaseDirectory(dir, (state) => states.push(state), {
    coalesceMs: 10,
    retryMs: 50,
    onError: (error) => errors.push(error),
  });
  try {
    await waitFor("the unreadable directory to be reported", () => errors.length >= 2);
    assert.match(errors[0].message, /Cannot read the lease directory ".*dhcpcd"/);
    assert.equal(states.length, 0);
    await Deno.remove(dir);
    await Deno.mkdir(dir);
    await writeInPlace(`${dir}/eth0.lease6`, lease6("2001:db8:1200::"));
    await waitFor("the lease", () => prefixes(states.at(-1))[0] === "eth0 2001:db8:1200::/56");
  } finally {
    await watcher.stop();
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("watching: a directory that cannot be watched is read every retry instead", async () => {
  const dir = await Deno.makeTempDir();
  const states: LeaseDirectoryState[] = [];
  const errors: LeaseDirectoryError[] = [];
  const watcher = watchLeaseDirectory(dir, (state) => states.push(state), {
    retryMs: 20,
    onError: (error) => errors.push(error),
    watchFs: () => {
      throw new Error("Too many open files (os error 24)");
    },
  });
  try {
    await waitFor("the first state", () => states.length === 1);
    assert.match(
      errors[0].message,
      /Cannot watch the lease directory ".*": Too many open files \(os error 24\); reading it every 20 ms/,
    );
    await writeInPlace(`${dir}/eth0.lease6`, lease6("2001:db8:1200::"));
    await waitFor(
      "the lease, polled",
      () => prefixes(states.at(-1))[0] === "eth0 2001:db8:1200::/56",
    );
    assert.equal(errors.length, 1, "said once, not on every poll");
  } finally {
    await watcher.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
