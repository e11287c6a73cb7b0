/**
 * Small file-system questions shared by the agent, the test rigs and the tools.
 *
 * @module
 */

/** Whether `path` exists (anything that can be stat'ed). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
