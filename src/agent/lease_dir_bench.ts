/**
 * Lease file change → watcher callback latency (`deno bench --allow-all`), with the default
 * 100 ms coalescing window and with a 10 ms window (a lone change is read at once with either);
 * and the cost of one directory read.
 */
import { readLeaseDirectory, watchLeaseDirectory } from "./lease_dir.ts";
import { ia, iaPrefix, message6 } from "./lease/test_messages.ts";

for (const coalesceMs of [100, 10]) {
  const dir = await Deno.makeTempDir();
  let notify: (() => void) | undefined;
  const watcher = watchLeaseDirectory(dir, () => notify?.(), { coalesceMs });
  let round = 0;
  Deno.bench(`lease file written → interfaces reported (${coalesceMs} ms window)`, async (b) => {
    round++;
    const bytes = message6([ia(25, 0, 0, [iaPrefix(`2001:db8:${round % 60000}::`, 48, 60, 120)])]);
    const reported = new Promise<void>((resolve) => notify = resolve);
    b.start();
    // In place, as dhcpcd writes its leases (open with O_TRUNC, write, close).
    await Deno.writeFile(`${dir}/eth0.lease6`, bytes);
    await reported;
    b.end();
  });
  globalThis.addEventListener("unload", () => {
    watcher.stop();
    Deno.removeSync(dir, { recursive: true });
  });
}

const fixtures = new URL("../../tests/fixtures/leases/initial", import.meta.url).pathname;
Deno.bench("read a lease directory: two interfaces, four real dhcpcd files", async () => {
  await readLeaseDirectory(fixtures);
});
