/**
 * Lease file change → watcher callback latency (`deno bench --allow-all`), with the default
 * 100 ms coalescing window and with a 10 ms window: a lone change (the window passed since the
 * last one, so it is read at once) and changes back to back (each within the window of the one
 * before, so it is read when the window ends); and the cost of one directory read.
 */
import { readLeaseDirectory, watchLeaseDirectory } from "./lease_dir.ts";
import { ia, iaPrefix, message6 } from "./lease/test_messages.ts";

for (const coalesceMs of [100, 10]) {
  for (const lone of [true, false]) {
    const dir = await Deno.makeTempDir();
    let notify: (() => void) | undefined;
    const watcher = watchLeaseDirectory(dir, () => notify?.(), { coalesceMs });
    let round = 0;
    const changes = lone ? "a lone change" : "changes back to back";
    Deno.bench(
      `lease file written → interfaces reported (${coalesceMs} ms window, ${changes})`,
      async (b) => {
        round++;
        const prefix = `2001:db8:${round % 60000}::`;
        const bytes = message6([ia(25, 0, 0, [iaPrefix(prefix, 48, 60, 120)])]);
        // Untimed: the window of the last change (and its trailing read) passes.
        if (lone) await new Promise((resolve) => setTimeout(resolve, 2 * coalesceMs));
        const reported = new Promise<void>((resolve) => notify = resolve);
        b.start();
        // In place, as dhcpcd writes its leases (open with O_TRUNC, write, close).
        await Deno.writeFile(`${dir}/eth0.lease6`, bytes);
        await reported;
        b.end();
      },
    );
    globalThis.addEventListener("unload", () => {
      watcher.stop();
      Deno.removeSync(dir, { recursive: true });
    });
  }
}

const fixtures = new URL("../../tests/fixtures/leases/initial", import.meta.url).pathname;
Deno.bench("read a lease directory: two interfaces, four real dhcpcd files", async () => {
  await readLeaseDirectory(fixtures);
});
