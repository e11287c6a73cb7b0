/**
 * Decides when templates are reconciled: on template changes, node data changes, drift of
 * generated objects and the next lease expiry; bursts coalesce; only the leader reconciles, and
 * nothing happens before node data has loaded (so nothing is pruned for missing data).
 *
 * @module
 */

import { DhcpTemplateError } from "../shared/errors.ts";
import type { Node } from "../shared/model.ts";
import { CoalescingQueue } from "../shared/coalesce.ts";
import {
  type DhcpTemplate,
  type ReconcileCluster,
  type ReconcileReport,
  reconcileTemplate,
  type Renderer,
} from "./reconcile.ts";

/** The node data templates render from. */
export interface NodeSource {
  /** Whether the stored node data has been read since start; until then nothing is reconciled. */
  readonly loaded: boolean;
  /** Every node's current data at `now`, sorted by name (expired entries left out). */
  snapshot(now: Date): Node[];
  /** When the next address or prefix expires, if any. */
  nextExpiry(now: Date): Date | undefined;
}

/** The templates to reconcile. */
export interface TemplateSource {
  /** Every template. */
  list(): DhcpTemplate[];
  /** One template, or undefined when it no longer exists. */
  get(name: string): DhcpTemplate | undefined;
}

/** Settings and collaborators of the controller. */
export interface ControllerOptions {
  /** The templates. */
  templates: TemplateSource;
  /** The node data. */
  nodes: NodeSource;
  /** The renderer. */
  renderer: Renderer;
  /** The cluster. */
  cluster: ReconcileCluster;
  /**
   * Coalescing window (milliseconds, default 50): a trigger after a quiet window reconciles at
   * once; later triggers within the window are handled together when it ends.
   */
  coalesceMs?: number;
  /**
   * Delay before a failed reconcile is retried (milliseconds, default 5000); it doubles with
   * every further failure of the same template, up to {@link MAX_RETRY_MS}.
   */
  retryMs?: number;
  /** Hears about each reconcile. */
  onReconciled?: (template: string, report: ReconcileReport, durationMs: number) => void;
  /** Hears about each reconcile that failed (it is retried). */
  onError?: (template: string, error: unknown) => void;
  /** The clock. */
  now?: () => Date;
}

const ALL = Symbol("all templates");

/** The longest delay before a failing template is retried (milliseconds). */
export const MAX_RETRY_MS = 60_000;

/** A write a reconcile attempted after this replica stopped leading; it was not sent. */
export class NotLeadingError extends DhcpTemplateError {
  /** Creates the error for the refused write. */
  constructor(write: string) {
    super(`Cannot ${write}: this replica no longer leads (another may have taken over)`);
  }
}

/**
 * `cluster` with every write checked against `leading()` just before it is sent: a reconcile
 * that is still running when leadership is lost stops writing at once (fencing).
 */
export function fenceWrites(cluster: ReconcileCluster, leading: () => boolean): ReconcileCluster {
  const check = (write: string) => {
    if (!leading()) throw new NotLeadingError(write);
  };
  return {
    isNamespaced: (apiVersion, kind) => cluster.isNamespaced(apiVersion, kind),
    watch: (apiVersion, kind) => cluster.watch(apiVersion, kind),
    get: (ref) => cluster.get(ref),
    // `as`: the template's service account, which the write impersonates.
    apply: async (object, as) => {
      check(`apply ${object.kind} ${object.metadata.name}`);
      return await cluster.apply(object, as);
    },
    delete: async (ref, uid, as) => {
      check(`delete ${ref.kind} ${ref.name}`);
      return await cluster.delete(ref, uid, as);
    },
    patch: async (object, as) => {
      check(`patch ${object.kind} ${object.metadata.name}`);
      return await cluster.patch(object, as);
    },
    release: async (ref, uid, as) => {
      check(`release the patch of ${ref.kind} ${ref.name}`);
      return await cluster.release(ref, uid, as);
    },
    setFinalizer: async (template, present) => {
      check(`${present ? "add" : "remove"} the finalizer of ${template.metadata.name}`);
      await cluster.setFinalizer(template, present);
    },
    writeStatus: async (template, status) => {
      check(`write the status of ${template.metadata.name}`);
      await cluster.writeStatus(template, status);
    },
    event: (template, type, reason, message) => {
      if (leading()) cluster.event(template, type, reason, message);
    },
  };
}

/** Reconciles templates when something they depend on changes. */
export class TemplateController {
  readonly #options: ControllerOptions;
  readonly #cluster: ReconcileCluster;
  readonly #queue: CoalescingQueue<string | typeof ALL>;
  readonly #now: () => Date;
  #leading = false;
  #expiryTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #retryTimers = new Set<ReturnType<typeof setTimeout>>();
  /** Templates whose last reconcile did not apply (render or apply failed). */
  readonly #failing = new Set<string>();
  /** Reconciles in a row that threw, per template (their retries back off). */
  readonly #errorsInARow = new Map<string, number>();

  /** Creates the controller; it does nothing until it leads (`setLeading(true)`). */
  constructor(options: ControllerOptions) {
    this.#options = options;
    this.#cluster = fenceWrites(options.cluster, () => this.#leading);
    this.#now = options.now ?? (() => new Date());
    this.#queue = new CoalescingQueue(options.coalesceMs ?? 50, (keys) => this.#run(keys));
  }

  /** Reconciles one template soon (it changed, or one of its objects did). */
  trigger(templateName: string): void {
    if (this.#leading) this.#queue.add(templateName);
  }

  /** Reconciles every template soon (node data changed). */
  triggerAll(): void {
    if (this.#leading) this.#queue.add(ALL);
  }

  /** Starts or stops reconciling; a new leader reconciles everything. */
  setLeading(leading: boolean): void {
    this.#leading = leading;
    if (leading) this.#queue.add(ALL);
    else clearTimeout(this.#expiryTimer);
  }

  /** Resolves when no reconcile is pending or running. */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  /** Stops reconciling and waits for a running reconcile to end. */
  async stop(): Promise<void> {
    this.#leading = false;
    clearTimeout(this.#expiryTimer);
    for (const timer of this.#retryTimers) clearTimeout(timer);
    await this.#queue.close();
  }

  async #run(keys: Set<string | typeof ALL>): Promise<void> {
    if (!this.#leading) return;
    const { templates, nodes } = this.#options;
    if (!nodes.loaded) {
      // Nothing may be pruned before node data is known: try again shortly.
      this.#retry([...keys], this.#options.coalesceMs ?? 50);
      return;
    }
    const now = this.#now();
    const snapshot = nodes.snapshot(now);
    const chosen =
      (keys.has(ALL)
        ? templates.list()
        : [...keys].flatMap((name) => templates.get(name as string) ?? []))
        // Templates render one at a time: the ones that worked last time go first, so broken
        // templates never hold up good ones.
        .sort((a, b) =>
          Number(this.#failing.has(a.metadata.name)) - Number(this.#failing.has(b.metadata.name))
        );
    await Promise.all(chosen.map((template) => this.#reconcileOne(template, snapshot, now)));
    this.#scheduleExpiry(now);
  }

  async #reconcileOne(template: DhcpTemplate, snapshot: Node[], now: Date): Promise<void> {
    const started = performance.now();
    try {
      const report = await reconcileTemplate(
        template,
        snapshot,
        this.#options.renderer,
        this.#cluster,
        now,
      );
      this.#errorsInARow.delete(template.metadata.name);
      if (report.result === "Applied") this.#failing.delete(template.metadata.name);
      else this.#failing.add(template.metadata.name);
      this.#options.onReconciled?.(template.metadata.name, report, performance.now() - started);
    } catch (error) {
      // A reconcile cut short by losing leadership is not a failure: the new leader redoes it.
      if (error instanceof NotLeadingError) return;
      const name = template.metadata.name;
      this.#failing.add(name);
      this.#options.onError?.(name, error);
      const errors = (this.#errorsInARow.get(name) ?? 0) + 1;
      this.#errorsInARow.set(name, errors);
      const delayMs = (this.#options.retryMs ?? 5000) * 2 ** Math.min(errors - 1, 16);
      this.#retry([name], Math.min(delayMs, MAX_RETRY_MS));
    }
  }

  #retry(keys: (string | typeof ALL)[], delayMs: number) {
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer);
      if (this.#leading) this.#queue.add(...keys);
    }, delayMs);
    this.#retryTimers.add(timer);
  }

  #scheduleExpiry(now: Date) {
    clearTimeout(this.#expiryTimer);
    const next = this.#options.nodes.nextExpiry(now);
    if (!next || !this.#leading) return;
    // setTimeout caps at 2^31-1 ms; a later expiry is re-checked then.
    const delay = Math.min(Math.max(next.getTime() - now.getTime(), 0) + 10, 2 ** 31 - 1);
    this.#expiryTimer = setTimeout(() => this.triggerAll(), delay);
  }
}
