/**
 * Small helpers of the reconcile's write loops: bounded concurrency and error messages.
 *
 * @module
 */

/** Objects applied, patched or deleted at the same time. */
const CONCURRENCY = 8;

/** Runs `work` on every item, at most {@link CONCURRENCY} at a time. */
export async function inBatches<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += CONCURRENCY) {
    await Promise.all(items.slice(start, start + CONCURRENCY).map(work));
  }
}

/** The message of an error, or the thrown value as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
