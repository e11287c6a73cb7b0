/**
 * How many TokenReviews callers whose token is not cached may cause: a token bucket (a rate with
 * a burst) and a cap on reviews in flight. A flood of made-up tokens then costs the apiserver at
 * most the rate, and calls over it are refused without asking. Pure: the clock is passed in.
 *
 * @module
 */

/** The limits of a {@link ReviewBudget}. */
export interface ReviewLimits {
  /** Reviews per second in the long run. */
  perSecond: number;
  /** Reviews that may start at once after a quiet time. */
  burst: number;
  /** Reviews in flight at the same time. */
  concurrent: number;
}

/** The default limits: enough for a thousand agents re-authenticating within a minute. */
export const DEFAULT_REVIEW_LIMITS: ReviewLimits = { perSecond: 50, burst: 100, concurrent: 8 };

/** A token bucket plus a concurrency cap. */
export class ReviewBudget {
  readonly #limits: ReviewLimits;
  readonly #now: () => number;
  #tokens: number;
  #refilledAt: number;
  #inFlight = 0;

  /** Creates a full budget; `now` returns milliseconds (default `Date.now`). */
  constructor(limits: ReviewLimits = DEFAULT_REVIEW_LIMITS, now: () => number = Date.now) {
    this.#limits = limits;
    this.#now = now;
    this.#tokens = limits.burst;
    this.#refilledAt = now();
  }

  /** Takes one review from the budget; false (and nothing taken) when it is spent. */
  tryStart(): boolean {
    const now = this.#now();
    const elapsedSeconds = Math.max(0, now - this.#refilledAt) / 1000;
    this.#tokens = Math.min(
      this.#limits.burst,
      this.#tokens + elapsedSeconds * this.#limits.perSecond,
    );
    this.#refilledAt = now;
    if (this.#tokens < 1 || this.#inFlight >= this.#limits.concurrent) return false;
    this.#tokens -= 1;
    this.#inFlight++;
    return true;
  }

  /** Marks a review started with {@link tryStart} as finished. */
  finish(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
  }

  /** Reviews in flight. */
  get inFlight(): number {
    return this.#inFlight;
  }
}
