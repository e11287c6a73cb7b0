/**
 * Keeps a client-node informer alive: the library stops an informer for good when its watch or
 * list fails (the apiserver restarted, a CRD was just created), so we start it again after a
 * delay that doubles up to 30 s and resets once it works. And a watch can die silently (seen
 * with Deno when the apiserver went away and came back): a healthy informer reconnects at least
 * every 30 s (the library's inactivity timeout), so one that has shown no sign of life for
 * {@link SILENCE_LIMIT_MS} is restarted from scratch.
 *
 * @module
 */
import type { Informer, KubernetesObject } from "@kubernetes/client-node";

/** An informer silent for this long is restarted (3× the library's 30 s watch timeout). */
export const SILENCE_LIMIT_MS = 90_000;

/**
 * Restarts `informer` after every error, and when it went silent, until `stopped()`. Returns the
 * function that ends the silence watchdog (call it when stopping the informer).
 */
export function keepAlive<T extends KubernetesObject>(
  informer: Informer<T>,
  stopped: () => boolean,
  onError: (error: unknown) => void,
): () => void {
  let delayMs = 500;
  let lastSign = Date.now();
  const alive = () => lastSign = Date.now();
  informer.on("connect", () => {
    alive();
    delayMs = 500;
  });
  for (const event of ["add", "update", "delete"] as const) informer.on(event, alive);
  informer.on("error", (error: unknown) => {
    alive();
    if (stopped()) return;
    onError(error);
    setTimeout(() => {
      if (!stopped()) informer.start().catch(onError);
    }, delayMs);
    delayMs = Math.min(delayMs * 2, 30_000);
  });
  const watchdog = setInterval(async () => {
    if (stopped() || Date.now() - lastSign < SILENCE_LIMIT_MS) return;
    alive();
    onError(new Error(`the watch showed no sign of life for ${SILENCE_LIMIT_MS / 1000} s`));
    await informer.stop().catch(() => {});
    if (!stopped()) await informer.start().catch(onError);
  }, 5_000);
  return () => clearInterval(watchdog);
}
