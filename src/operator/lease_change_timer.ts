/**
 * Times `dhcp_template_operator_lease_change_applied_seconds`: from the moment an agent saw a
 * lease change (carried in its report and the DHCPNode) to the moment a reconcile applied the
 * objects it changed. A change whose reconciles apply nothing leaves no start time behind. Pure.
 *
 * @module
 */

/** The earliest lease change not yet applied, and what settles it. */
export class LeaseChangeTimer {
  /** When the earliest unapplied change was seen (epoch ms). */
  #pendingSince: number | undefined;
  /** Counts changes, so that settling skips a change that came in meanwhile. */
  #changes = 0;

  /** The number of changes seen so far; pass it to {@link settled}. */
  get changes(): number {
    return this.#changes;
  }

  /** A node's data changed; its agent saw the change at `seenAt` (epoch ms). */
  changed(seenAt: number): void {
    this.#pendingSince = Math.min(this.#pendingSince ?? Infinity, seenAt);
    this.#changes++;
  }

  /**
   * A reconcile applied or deleted objects at `now` (epoch ms): the milliseconds since the
   * earliest pending change was seen, or undefined when none was pending.
   */
  applied(now: number): number | undefined {
    if (this.#pendingSince === undefined) return undefined;
    const latency = Math.max(0, now - this.#pendingSince);
    this.#pendingSince = undefined;
    return latency;
  }

  /**
   * Every reconcile that the first `changes` changes started has finished: if no change came in
   * since, the pending one applied nothing and is dropped.
   */
  settled(changes: number): void {
    if (changes === this.#changes) this.#pendingSince = undefined;
  }

  /** Forgets the pending change (another replica may have applied it). */
  reset(): void {
    this.#pendingSince = undefined;
  }
}
