/**
 * Coalesces bursts of triggers: keys added within a short window are handled together in one
 * call, and calls never overlap (keys added while one runs wait for the next).
 *
 * @module
 */

/** Collects keys and hands them to `handle` in batches. */
export class CoalescingQueue<Key> {
  readonly #windowMs: number;
  readonly #handle: (keys: Set<Key>) => Promise<void>;
  #pending = new Set<Key>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #closed = false;

  /** `handle` gets each batch; a batch starts `windowMs` after its first key. */
  constructor(windowMs: number, handle: (keys: Set<Key>) => Promise<void>) {
    this.#windowMs = windowMs;
    this.#handle = handle;
  }

  /** Adds keys to the next batch. */
  add(...keys: Key[]): void {
    if (this.#closed) return;
    for (const key of keys) this.#pending.add(key);
    if (this.#pending.size > 0 && this.#timer === undefined && !this.#running) {
      this.#timer = setTimeout(() => this.#flush(), this.#windowMs);
    }
  }

  /** Resolves when nothing is pending or running. */
  async idle(): Promise<void> {
    while (this.#running || this.#timer !== undefined) {
      await (this.#running ?? new Promise((resolve) => setTimeout(resolve, this.#windowMs)));
    }
  }

  /** Drops pending keys and waits for a running batch to end. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
    await this.#running;
  }

  #flush() {
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = new Set();
    // Started after a microtask, so #running is set before the handler can add keys.
    this.#running = Promise.resolve().then(() => this.#handle(batch)).finally(() => {
      this.#running = undefined;
      this.add();
    });
  }
}
