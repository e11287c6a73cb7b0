/**
 * A small map whose entries expire a fixed time after they were set, bounded in size (the oldest
 * entry goes first). Pure: the clock is passed in.
 *
 * @module
 */

/** Entries expire `ttlMs` after they were set; at most `maxEntries` are kept. */
export class ExpiringCache<K, V> {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<K, { value: V; expiresAt: number }>();

  /** Creates the cache; `now` returns milliseconds (default `Date.now`). */
  constructor(ttlMs: number, maxEntries: number, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  /** The value, unless it is missing or expired. */
  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Sets the value; it expires after the cache's time to live, or at `expiresAt` if earlier. */
  set(key: K, value: V, expiresAt?: number): void {
    this.#entries.delete(key);
    const limit = this.#now() + this.#ttlMs;
    this.#entries.set(key, { value, expiresAt: Math.min(limit, expiresAt ?? limit) });
    while (this.#entries.size > this.#maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value as K);
    }
  }

  /** Number of entries held (expired ones included until they are read). */
  get size(): number {
    return this.#entries.size;
  }
}
