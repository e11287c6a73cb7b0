/**
 * The command line that starts the render process (`host.ts`), with its heap limit.
 *
 * - Under the Deno CLI (`deno run`, `deno test`): `deno run` on `host.ts` with no prompts, the
 *   project's `deno.json`, V8's `--max-old-space-size` and one permission: reading, which loading
 *   the worker's modules needs; the process gives it up before the first render.
 * - In the `deno compile`d operator, `Deno.execPath()` is the operator itself: it runs with the
 *   hidden subcommand {@link RENDER_HOST_COMMAND}. A compiled executable takes V8 flags only at
 *   compile time (it ignores `--v8-flags` and `DENO_V8_FLAGS` at run time), so there the memory
 *   limit is held by the renderer's watch of the process's resident memory alone.
 *
 * @module
 */

/** The hidden subcommand that makes the compiled operator executable a render process. */
export const RENDER_HOST_COMMAND = "__render-host";

/** A program and its arguments. */
export interface HostCommand {
  /** The executable. */
  path: string;
  /** Its arguments. */
  args: string[];
}

/** The command that starts a render process whose V8 heap is limited to `heapMiB`. */
export function renderHostCommand(heapMiB: number, execPath = Deno.execPath()): HostCommand {
  if (!isDenoCli(execPath)) return { path: execPath, args: [RENDER_HOST_COMMAND] };
  return {
    path: execPath,
    args: [
      "run",
      "--no-prompt",
      `--config=${new URL("../../../deno.json", import.meta.url).pathname}`,
      `--v8-flags=--max-old-space-size=${heapMiB}`,
      "--allow-read",
      new URL("./host.ts", import.meta.url).pathname,
    ],
  };
}

/** Whether `execPath` is the Deno CLI rather than a compiled executable. */
export function isDenoCli(execPath: string): boolean {
  return /^deno(\.exe)?$/i.test(execPath.split(/[\\/]/).pop() ?? "");
}
