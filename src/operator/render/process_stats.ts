/**
 * CPU time and resident memory of a process, from Linux's `/proc/<pid>/stat` and
 * `/proc/<pid>/status`: how the sandbox measures the render process against its limits.
 *
 * @module
 */

/** What a process has used so far. */
export interface ProcessStats {
  /** CPU time of all its threads, user and system, in milliseconds. */
  cpuMs: number;
  /** Resident set size in MiB. */
  rssMiB: number;
}

/** Clock ticks per second of `/proc` times (USER_HZ, 100 on every Linux architecture). */
const TICKS_PER_SECOND = 100;

/** The CPU time in `/proc/<pid>/stat` text, in milliseconds. */
export function parseCpuMs(stat: string): number {
  // Field 2 (the command name) may contain spaces and parentheses: count from its closing ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15; fields[0] is field 3.
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new Error(`unexpected /proc stat line: ${stat.slice(0, 200)}`);
  return ticks * 1000 / TICKS_PER_SECOND;
}

/** The resident set size in `/proc/<pid>/status` text, in MiB (0 when the process is a zombie). */
export function parseRssMiB(status: string): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return match ? Number(match[1]) / 1024 : 0;
}

/** The stats of process `pid`, or undefined when it is gone or `/proc` cannot be read. */
export function readProcessStats(pid: number): ProcessStats | undefined {
  try {
    return {
      cpuMs: parseCpuMs(Deno.readTextFileSync(`/proc/${pid}/stat`)),
      rssMiB: parseRssMiB(Deno.readTextFileSync(`/proc/${pid}/status`)),
    };
  } catch {
    return undefined;
  }
}
