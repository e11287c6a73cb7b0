/**
 * Exponential backoff with jitter (pure: the random source is passed in). Each delay is drawn
 * from the upper half of the current step, so retries of many agents spread out but never come
 * sooner than half the step; the step doubles up to the maximum and resets after a success.
 *
 * @module
 */

/** Settings of a {@link Backoff}. */
export interface BackoffOptions {
  /** The first step (milliseconds, default 500). */
  initialMs?: number;
  /** The largest step (milliseconds, default 10000). */
  maxMs?: number;
  /** A number in [0, 1) (default `Math.random`). */
  random?: () => number;
}

/** Delays between retries. */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;
  #stepMs: number;

  /** Creates the backoff at its first step. */
  constructor(options: BackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? 500;
    this.#maxMs = options.maxMs ?? 10_000;
    this.#random = options.random ?? Math.random;
    this.#stepMs = this.#initialMs;
  }

  /** The delay before the next retry (milliseconds); the step then doubles. */
  next(): number {
    const step = this.#stepMs;
    this.#stepMs = Math.min(this.#stepMs * 2, this.#maxMs);
    return Math.round(step / 2 + this.#random() * (step / 2));
  }

  /** Back to the first step (after a success). */
  reset(): void {
    this.#stepMs = this.#initialMs;
  }
}
