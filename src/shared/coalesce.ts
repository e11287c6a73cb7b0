/**
 * Coalesces bursts of triggers without delaying a lone one: the first key after a quiet window is
 * handled at once (leading edge); keys that arrive within the window after a batch started, or
 * while it runs, are handled together in one trailing batch when the window has passed. Batches
 * never overlap, and batches start at most once per window, so a steady stream of keys is still
 * handled every window. The agent's lease directory watcher and the operator's template
 * controller use it.
 *
 * @module
 */

/** The time source and timers of a {@link CoalescingQueue} (tests pass a manual one). */
export interface QueueClock {
  /** The time on a monotonic clock, milliseconds. */
  now(): number;
  /** Calls `callback` after `ms` milliseconds; the function returned cancels it. */
  after(ms: number, callback: () => void): () => void;
}

/** The process's monotonic clock and `setTimeout`. */
export const systemClock: QueueClock = {
  now: () => performance.now(),
  after: (ms, callback) => {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};

/** A trailing batch waiting for its window to pass. */
interface Waiting {
  cancel: () => void;
  /** Resolves when the batch starts or the queue closes. */
  ended: Promise<void>;
}

/** Collects keys and hands them to `handle` in batches. */
export class CoalescingQueue<Key> {
  readonly #windowMs: number;
  readonly #handle: (keys: Set<Key>) => Promise<void>;
  readonly #clock: QueueClock;
  #pending = new Set<Key>();
  #waiting: Waiting | undefined;
  #running: Promise<void> | undefined;
  /** When the last batch started (clock time), if one did. */
  #lastStartMs: number | undefined;
  #closed = false;

  /**
   * `handle` gets each batch. A batch starts at once when none started within the last
   * `windowMs` milliseconds and none is running; otherwise when both hold again.
   */
  constructor(
    windowMs: number,
    handle: (keys: Set<Key>) => Promise<void>,
    clock: QueueClock = systemClock,
  ) {
    this.#windowMs = windowMs;
    this.#handle = handle;
    this.#clock = clock;
  }

  /** Adds keys to the next batch. */
  add(...keys: Key[]): void {
    if (this.#closed) return;
    for (const key of keys) this.#pending.add(key);
    this.#schedule();
  }

  /** Resolves when nothing is pending or running. */
  async idle(): Promise<void> {
    while (this.#running || this.#waiting) await (this.#running ?? this.#waiting?.ended);
  }

  /** Drops pending keys and waits for a running batch to end. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#waiting?.cancel();
    this.#pending.clear();
    await this.#running;
  }

  #schedule() {
    if (this.#closed || this.#pending.size === 0 || this.#running || this.#waiting) return;
    const waitMs = this.#lastStartMs === undefined
      ? 0
      : this.#lastStartMs + this.#windowMs - this.#clock.now();
    if (waitMs <= 0) {
      this.#start();
      return;
    }
    const { promise: ended, resolve } = Promise.withResolvers<void>();
    const cancelTimer = this.#clock.after(waitMs, () => {
      this.#waiting = undefined;
      resolve();
      this.#start();
    });
    this.#waiting = {
      ended,
      cancel: () => {
        cancelTimer();
        this.#waiting = undefined;
        resolve();
      },
    };
  }

  #start() {
    this.#lastStartMs = this.#clock.now();
    // The batch is taken after a microtask: keys added in the same turn join it, and #running
    // is set before the handler can add keys.
    this.#running = Promise.resolve().then(async () => {
      const batch = this.#pending;
      this.#pending = new Set();
      if (batch.size > 0) await this.#handle(batch);
    }).finally(() => {
      this.#running = undefined;
      this.#schedule();
    });
  }
}
