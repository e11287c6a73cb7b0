/**
 * Processes as Linux shows them in /proc: whether one is alive, its descendants, and the CPU
 * time of a process tree; for tests that check what a process left behind.
 *
 * @module
 */
import { parseCpuMs } from "../../src/operator/render/process_stats.ts";

/** Whether process `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stateOf(stat) !== "Z";
}

/** The process ids of every descendant of `pid` (children, their children, …). */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const stat = readStat(Number(entry.name));
    if (stat) parents.set(Number(entry.name), parentOf(stat));
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** CPU time (ms) used so far by `pid` and its living descendants. */
export function treeCpuMs(pid: number): number {
  return [pid, ...descendants(pid)].reduce((sum, each) => {
    const stat = readStat(each);
    return sum + (stat ? parseCpuMs(stat) : 0);
  }, 0);
}

/**
 * Waits until `pid`'s process tree used at most `maxCpuMs` of CPU over the last `windowMs`
 * (it is idle); throws after `timeoutMs`. Samples every 50 ms.
 */
export async function waitForIdleTree(
  pid: number,
  { windowMs = 200, maxCpuMs = 20, timeoutMs = 1000 } = {},
): Promise<void> {
  const started = performance.now();
  const samples: { at: number; cpuMs: number }[] = [];
  while (true) {
    const now = performance.now();
    samples.push({ at: now, cpuMs: treeCpuMs(pid) });
    const windowStart = samples.findLast((sample) => now - sample.at >= windowMs);
    if (windowStart) {
      const used = samples.at(-1)!.cpuMs - windowStart.cpuMs;
      if (used <= maxCpuMs) return;
      if (now - started > timeoutMs) {
        throw new Error(
          `process ${pid} and its children still used ${used} ms of CPU in the last ` +
            `${Math.round(now - windowStart.at)} ms, ${
              Math.round(now - started)
            } ms after the start`,
        );
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until none of `pids` is alive; throws after `timeoutMs`. Checks every 20 ms. */
export async function waitForGone(pids: number[], timeoutMs = 1000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (pids.some(isAlive)) {
    if (performance.now() > deadline) {
      throw new Error(`still alive after ${timeoutMs} ms: ${pids.filter(isAlive).join(", ")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function readStat(pid: number): string | undefined {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
}

function stateOf(stat: string): string {
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
}

function parentOf(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}
