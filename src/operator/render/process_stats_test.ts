import assert from "node:assert/strict";
import { parseCpuMs, parseRssMiB, readProcessStats } from "./process_stats.ts";

Deno.test("parseCpuMs adds user and system ticks, also after a command name with spaces", () => {
  const stat = "4242 (deno (render) x) R 1 4242 4242 0 -1 4194560 8815 0 0 0 150 37 0 0 20 0 " +
    "9 0 123 1085440000 30000 18446744073709551615";
  assert.equal(parseCpuMs(stat), 1870);
});

Deno.test("parseRssMiB reads VmRSS; a zombie has none", () => {
  assert.equal(parseRssMiB("Name:\tdeno\nVmPeak:\t 1 kB\nVmRSS:\t   51200 kB\nThreads:\t9\n"), 50);
  assert.equal(parseRssMiB("Name:\tdeno\nState:\tZ (zombie)\n"), 0);
});

Deno.test("readProcessStats reads this process, and nothing for a pid that does not exist", () => {
  const own = readProcessStats(Deno.pid);
  assert.ok(own && own.rssMiB > 10 && own.cpuMs >= 0, JSON.stringify(own));
  assert.equal(readProcessStats(2 ** 30), undefined);
});
