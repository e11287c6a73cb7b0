/**
 * Starts client-node informers and keeps them alive. The library's `start()` resolves even when
 * the first list fails, and stops an informer for good when a later watch or list fails (the
 * apiserver restarted, a CRD was just created). {@link startInformer} resolves only once the
 * first list is cached, retrying failures that pass by themselves (an apiserver still starting),
 * and then restarts the informer after every failure, after a delay that doubles up to 30 s and
 * starts small again after a minute without errors. A watch that merely goes quiet is not a
 * failure: `DenoWatch` asks the apiserver for bookmarks and a timeout and ends a watch that is
 * really dead itself, which the library resumes without reporting an error.
 *
 * @module
 */
import type { Informer, KubernetesObject } from "@kubernetes/client-node";
import { isTransient } from "./transient.ts";

/** The first delay before a failed informer is started again (milliseconds). */
const FIRST_RESTART_DELAY_MS = 500;
/** The longest delay before a failed informer is started again (milliseconds). */
const MAX_RESTART_DELAY_MS = 30_000;

/** How {@link startInformer} reports and stops. */
export interface InformerHooks {
  /** Whether the informer was stopped (then nothing is retried). */
  stopped(): boolean;
  /** Hears a failure that is retried (the first list's transient ones, then every one). */
  onRetry(error: unknown): void;
}

/**
 * Starts `informer`; resolves once its first list is cached, rejects when the first list fails
 * for a reason that does not pass by itself (e.g. the resource does not exist). From then on,
 * restarts it after every failure until `hooks.stopped()`.
 */
export async function startInformer<T extends KubernetesObject>(
  informer: Informer<T>,
  hooks: InformerHooks,
): Promise<void> {
  const backoff = new RestartBackoff();
  for (;;) {
    const failure = await startOnce(informer);
    if (!failure) break;
    if (hooks.stopped() || !isTransient(failure.error)) throw failure.error;
    hooks.onRetry(failure.error);
    await new Promise((resolve) => setTimeout(resolve, backoff.next()));
  }
  informer.on("error", (error: unknown) => {
    if (hooks.stopped()) return;
    hooks.onRetry(error);
    setTimeout(() => {
      if (!hooks.stopped()) informer.start().catch(hooks.onRetry);
    }, backoff.next());
  });
}

/** Starts `informer` once; returns the error its first list failed with, if it did. */
async function startOnce<T extends KubernetesObject>(
  informer: Informer<T>,
): Promise<{ error: unknown } | undefined> {
  let failure: { error: unknown } | undefined;
  const onError = (error: unknown) => failure ??= { error };
  informer.on("error", onError);
  try {
    await informer.start();
  } catch (error) {
    failure ??= { error };
  } finally {
    informer.off("error", onError);
  }
  return failure;
}

/** Delays that double up to 30 s and start small again after a minute without failures. */
class RestartBackoff {
  #delayMs = FIRST_RESTART_DELAY_MS;
  #lastAt = -Infinity;

  /** The delay before the next restart. */
  next(): number {
    if (Date.now() - this.#lastAt > 2 * MAX_RESTART_DELAY_MS) {
      this.#delayMs = FIRST_RESTART_DELAY_MS;
    }
    this.#lastAt = Date.now();
    const delay = this.#delayMs;
    this.#delayMs = Math.min(this.#delayMs * 2, MAX_RESTART_DELAY_MS);
    return delay;
  }
}
