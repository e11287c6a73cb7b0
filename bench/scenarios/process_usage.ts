/**
 * CPU time and memory of a process, read from /proc (Linux).
 *
 * @module
 */

/** A process's resource use so far. */
export interface ProcessUsage {
  /** User + system CPU seconds. */
  cpuSeconds: number;
  /** Current resident set size, MiB. */
  rssMiB: number;
  /** Peak resident set size (VmHWM), MiB. */
  peakRssMiB: number;
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** Reads the resource use of process `pid`. */
export function processUsage(pid: number): ProcessUsage {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuTicks = Number(fields[11]) + Number(fields[12]);
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return {
    cpuSeconds: cpuTicks / TICKS_PER_SECOND,
    rssMiB: kib("VmRSS") / 1024,
    peakRssMiB: kib("VmHWM") / 1024,
  };
}
