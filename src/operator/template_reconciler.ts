/**
 * Wires the reconciler to the cluster: watches DHCPTemplates and the objects they generated,
 * and reconciles through a {@link TemplateController} whenever a template, a generated object or
 * the node data changes. The operator's main and the integration tests use it.
 *
 * @module
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { type NodeSource, TemplateController } from "./controller.ts";
import { KubeReconcileCluster, type WriteCounts } from "./kube/cluster.ts";
import { ClusterObjects } from "./kube/objects.ts";
import { OwnedObjects } from "./kube/owned.ts";
import { Templates } from "./kube/templates.ts";
import type { WatchSettings } from "./kube/watch.ts";
import type { ReconcileReport, Renderer } from "./reconcile.ts";

/** Settings of the reconciler. */
export interface TemplateReconcilerOptions {
  /** The cluster. */
  kubeConfig: KubeConfig;
  /** Every node's lease data. */
  nodes: NodeSource;
  /** Renders templates. */
  renderer: Renderer;
  /**
   * Coalescing window (milliseconds, default 50): a trigger after a quiet window reconciles at
   * once; later triggers within the window are handled together when it ends.
   */
  coalesceMs?: number;
  /** Delay before a failed reconcile is first retried (milliseconds, default 5000; doubles). */
  retryMs?: number;
  /** How watches are kept alive (default: the apiserver ends each every 5 minutes). */
  watch?: WatchSettings;
  /** Hears about each reconcile. */
  onReconciled?: (template: string, report: ReconcileReport, durationMs: number) => void;
  /**
   * Hears about failures: `reconcile <template>` (retried), `event` (not retried) and `watch`
   * (the watch restarts by itself).
   */
  onError?: (context: string, error: unknown) => void;
}

/** The running reconciler. */
export class TemplateReconciler {
  readonly #controller: TemplateController;
  readonly #templates: Templates;
  readonly #owned: OwnedObjects;
  readonly #cluster: KubeReconcileCluster;
  #reconciles = 0;

  private constructor(options: TemplateReconcilerOptions) {
    const onError = options.onError ?? (() => {});
    const objects = new ClusterObjects(options.kubeConfig);
    this.#templates = new Templates(
      options.kubeConfig,
      (name) => this.#controller.trigger(name),
      (error) => onError("event", error),
      (error) => onError("watch", error),
      options.watch,
    );
    this.#owned = new OwnedObjects(
      options.kubeConfig,
      objects,
      (name) => this.#controller.trigger(name),
      (error) => onError("watch", error),
      options.watch,
    );
    this.#cluster = new KubeReconcileCluster(objects, this.#owned, this.#templates);
    this.#controller = new TemplateController({
      templates: this.#templates,
      nodes: options.nodes,
      renderer: options.renderer,
      cluster: this.#cluster,
      coalesceMs: options.coalesceMs,
      retryMs: options.retryMs,
      onReconciled: (template, report, durationMs) => {
        this.#reconciles++;
        options.onReconciled?.(template, report, durationMs);
      },
      onError: (template, error) => onError(`reconcile ${template}`, error),
    });
  }

  /** Starts watching templates; reconciling begins with `setLeading(true)`. */
  static async start(options: TemplateReconcilerOptions): Promise<TemplateReconciler> {
    const reconciler = new TemplateReconciler(options);
    await reconciler.#templates.start();
    return reconciler;
  }

  /** Write requests made so far (applies, deletes, status writes). */
  get writes(): Readonly<WriteCounts> {
    return { ...this.#cluster.writes };
  }

  /** Reconciles that finished without error so far. */
  get reconciles(): number {
    return this.#reconciles;
  }

  /** Starts or stops reconciling (leader election). */
  setLeading(leading: boolean): void {
    this.#controller.setLeading(leading);
  }

  /** Reconciles every template soon (the node data changed). */
  nodesChanged(): void {
    this.#controller.triggerAll();
  }

  /** Resolves when no reconcile is pending or running. */
  idle(): Promise<void> {
    return this.#controller.idle();
  }

  /** Stops reconciling and every watch. */
  async stop(): Promise<void> {
    await this.#controller.stop();
    await this.#templates.stop();
    await this.#owned.stop();
  }
}
