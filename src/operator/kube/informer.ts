/**
 * Keeps a client-node informer alive: the library stops an informer for good when its watch or
 * list fails (the apiserver restarted, a CRD was just created), so we start it again after a
 * delay that doubles up to 30 s and resets once it works.
 *
 * @module
 */
import type { Informer, KubernetesObject } from "@kubernetes/client-node";

/** Restarts `informer` after every error until `stopped()` says otherwise. */
export function keepAlive<T extends KubernetesObject>(
  informer: Informer<T>,
  stopped: () => boolean,
  onError: (error: unknown) => void,
): void {
  let delayMs = 500;
  informer.on("connect", () => {
    delayMs = 500;
  });
  informer.on("error", (error: unknown) => {
    if (stopped()) return;
    onError(error);
    setTimeout(() => {
      if (!stopped()) informer.start().catch(onError);
    }, delayMs);
    delayMs = Math.min(delayMs * 2, 30_000);
  });
}
