/**
 * Leader election on a coordination.k8s.io Lease: one replica reconciles, the others wait and
 * take over when the leader's claim runs out (or at once when it releases the lease on shutdown).
 *
 * Fencing, as client-go's leaderelection: a leader that has not renewed within the renew
 * deadline (shorter than the lease duration) stops leading by its own clock, even while a renewal
 * request still hangs, so it has stopped before any other replica can see its claim run out.
 *
 * @module
 */

import {
  ApiException,
  CoordinationV1Api,
  type KubeConfig,
  type V1Lease,
  V1MicroTime,
} from "@kubernetes/client-node";
import { decideLease } from "./decide.ts";

/** Settings of the election. */
export interface ElectionOptions {
  /** Namespace of the Lease. */
  namespace: string;
  /** Name of the Lease. */
  name: string;
  /** This replica's identity (pod name). */
  identity: string;
  /** How long a claim lasts without renewal, seconds (default 15). */
  leaseDurationSeconds?: number;
  /** How often to try to acquire or renew, milliseconds (default 2000). */
  retryPeriodMs?: number;
  /**
   * A leader that has not renewed for this long stops leading, milliseconds (default two thirds
   * of the lease duration; must be shorter than it).
   */
  renewDeadlineMs?: number;
  /** Called when this replica becomes the leader. */
  onStartedLeading: () => void;
  /** Called when this replica stops being the leader (lost the lease, or stopped). */
  onStoppedLeading: () => void;
  /** Called when talking to the apiserver failed (the election keeps trying). */
  onError?: (error: unknown) => void;
}

/** A running election; `stop()` releases the lease if held. */
export class LeaderElector {
  readonly #api: CoordinationV1Api;
  readonly #options: Required<Omit<ElectionOptions, "onError">> & Pick<ElectionOptions, "onError">;
  #leading = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #renewDeadlineTimer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  /** Starts the election in the cluster of `kubeConfig`. */
  constructor(kubeConfig: KubeConfig, options: ElectionOptions) {
    this.#api = kubeConfig.makeApiClient(CoordinationV1Api);
    const leaseDurationSeconds = options.leaseDurationSeconds ?? 15;
    this.#options = {
      retryPeriodMs: 2000,
      renewDeadlineMs: Math.floor(leaseDurationSeconds * 1000 * 2 / 3),
      ...options,
      leaseDurationSeconds,
    };
    if (this.#options.renewDeadlineMs >= leaseDurationSeconds * 1000) {
      throw new RangeError(
        `Cannot elect a leader: the renew deadline (${this.#options.renewDeadlineMs} ms) must be ` +
          `shorter than the lease duration (${leaseDurationSeconds} s)`,
      );
    }
    this.#schedule(0);
  }

  /** Whether this replica currently leads. */
  get leading(): boolean {
    return this.#leading;
  }

  /** Stops taking part; a leader releases the lease so another replica takes over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#renewDeadlineTimer);
    if (!this.#leading) return;
    this.#setLeading(false);
    try {
      const lease = await this.#read();
      if (lease?.spec?.holderIdentity === this.#options.identity) {
        lease.spec.holderIdentity = "";
        await this.#api.replaceNamespacedLease({
          name: this.#options.name,
          namespace: this.#options.namespace,
          body: lease,
        });
      }
    } catch (error) {
      this.#options.onError?.(error);
    }
  }

  #schedule(delayMs: number) {
    if (this.#stopped) return;
    this.#timer = setTimeout(
      () => this.#tryOnce().finally(() => this.#schedule(this.#options.retryPeriodMs)),
      delayMs,
    );
  }

  async #tryOnce(): Promise<void> {
    try {
      const lease = await this.#read();
      const now = new Date();
      const record = lease?.spec && {
        holderIdentity: lease.spec.holderIdentity,
        leaseDurationSeconds: lease.spec.leaseDurationSeconds,
        renewTime: lease.spec.renewTime ? new Date(lease.spec.renewTime) : undefined,
      };
      const decision = decideLease(record, this.#options.identity, now);
      if (decision === "follow") {
        this.#setLeading(false);
        return;
      }
      await this.#write(lease, decision === "acquire", now);
      if (this.#stopped) return;
      this.#armRenewDeadline(now);
      this.#setLeading(true);
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 409)) this.#options.onError?.(error);
    }
  }

  /**
   * Stops leading when no renewal succeeds within the renew deadline, counted from `renewedAt`
   * (the time the renewal wrote, taken before its request was sent).
   */
  #armRenewDeadline(renewedAt: Date) {
    clearTimeout(this.#renewDeadlineTimer);
    const delay = renewedAt.getTime() + this.#options.renewDeadlineMs - Date.now();
    this.#renewDeadlineTimer = setTimeout(() => this.#setLeading(false), Math.max(delay, 0));
  }

  async #read(): Promise<V1Lease | undefined> {
    try {
      return await this.#api.readNamespacedLease({
        name: this.#options.name,
        namespace: this.#options.namespace,
      });
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  async #write(lease: V1Lease | undefined, acquiring: boolean, now: Date): Promise<void> {
    const time = new V1MicroTime(now.getTime());
    const spec = {
      ...lease?.spec,
      holderIdentity: this.#options.identity,
      leaseDurationSeconds: this.#options.leaseDurationSeconds,
      renewTime: time,
      ...(acquiring
        ? { acquireTime: time, leaseTransitions: (lease?.spec?.leaseTransitions ?? -1) + 1 }
        : {}),
    };
    const { name, namespace } = this.#options;
    if (!lease) {
      await this.#api.createNamespacedLease({
        namespace,
        body: {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name, namespace },
          spec,
        },
      });
    } else {
      // The resourceVersion in metadata makes this a compare-and-swap: a rival's write wins with 409.
      await this.#api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec } });
    }
  }

  #setLeading(leading: boolean) {
    if (!leading) clearTimeout(this.#renewDeadlineTimer);
    if (leading === this.#leading) return;
    this.#leading = leading;
    if (leading) this.#options.onStartedLeading();
    else this.#options.onStoppedLeading();
  }
}
