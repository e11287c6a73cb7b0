/**
 * Watches the objects templates generated (by their template label), one watch per kind: the
 * reconciler reads the cluster's state from these caches instead of asking the apiserver, and
 * every change someone else makes (an edit, a deletion) triggers the owning template at once.
 *
 * @module
 */

import {
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject as ClientObject,
  type ObjectCache,
} from "@kubernetes/client-node";
import { makeDenoInformer, type WatchSettings } from "./watch.ts";
import type { KubernetesObject, ObjectRef } from "../../shared/kube_object.ts";
import { refKey, refOf } from "../../shared/kube_object.ts";
import { TEMPLATE_KIND, TEMPLATE_LABEL } from "../plan/plan.ts";
import { startInformer } from "./informer.ts";
import type { ClusterObjects } from "./objects.ts";

type KindWatch = Informer<ClientObject> & ObjectCache<ClientObject>;

/** Caches of generated objects, kept current by watches, with change notifications. */
export class OwnedObjects {
  readonly #kubeConfig: KubeConfig;
  readonly #objects: ClusterObjects;
  readonly #onChange: (templateName: string) => void;
  #stopped = false;
  readonly #watches = new Map<string, Promise<KindWatch>>();
  readonly #onWatchRetry: (error: unknown) => void;
  readonly #watchSettings?: WatchSettings;
  /** Kinds whose watch failed since its last successful list: their caches may be stale. */
  readonly #stale = new Set<string>();
  /** What our own applies returned, until the watch reports the object again. */
  readonly #applied = new Map<string, KubernetesObject>();

  /**
   * `onChange` gets the template label of every generated object that changed or vanished;
   * `onWatchRetry` hears about watch failures (the watch restarts by itself).
   */
  constructor(
    kubeConfig: KubeConfig,
    objects: ClusterObjects,
    onChange: (templateName: string) => void,
    onWatchRetry: (error: unknown) => void = () => {},
    watch?: WatchSettings,
  ) {
    this.#onWatchRetry = onWatchRetry;
    this.#watchSettings = watch;
    this.#kubeConfig = kubeConfig;
    this.#objects = objects;
    this.#onChange = onChange;
  }

  /** Starts watching a kind (once) and resolves when its cache holds the first list. */
  watch(apiVersion: string, kind: string): Promise<void> {
    const key = kindKey(apiVersion, kind);
    let watch = this.#watches.get(key);
    if (!watch) {
      watch = this.#startWatch(apiVersion, kind);
      this.#watches.set(key, watch);
      watch.catch(() => this.#watches.delete(key));
    }
    return watch.then(() => undefined);
  }

  /**
   * The generated object as the cluster holds it, from the cache of its kind (the kind must be
   * watched); an object without our label is not in the cache and is read from the apiserver.
   */
  async get(ref: ObjectRef): Promise<KubernetesObject | undefined> {
    const kind = kindKey(ref.apiVersion, ref.kind);
    const watch = await this.#watches.get(kind);
    // A failing watch (e.g. the kind's CRD was deleted) may keep objects that are gone.
    if (!this.#stale.has(kind)) {
      const applied = this.#applied.get(refKey(ref));
      if (applied) return applied;
      const cached = watch?.get(ref.name, ref.namespace);
      if (cached) return plain(cached);
    }
    return await this.#objects.get(ref);
  }

  /** Records what an apply returned, so a reconcile right after it does not see the old object. */
  remember(object: KubernetesObject): void {
    this.#applied.set(refKey(refOf(object)), object);
  }

  /** Records that an object was deleted. */
  forget(ref: ObjectRef): void {
    this.#applied.delete(refKey(ref));
  }

  /** Stops every watch. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const watches = await Promise.allSettled(this.#watches.values());
    this.#watches.clear();
    for (const watch of watches) {
      if (watch.status === "fulfilled") await watch.value.stop();
    }
  }

  async #startWatch(apiVersion: string, kind: string): Promise<KindWatch> {
    const path = await this.#objects.collectionPath(apiVersion, kind);
    const key = kindKey(apiVersion, kind);
    const informer = makeDenoInformer<ClientObject>(
      this.#kubeConfig,
      path,
      async () => {
        const list = await this.#objects.list(apiVersion, kind, TEMPLATE_LABEL);
        // The list replaces the whole cache: it is current again.
        this.#stale.delete(key);
        return list as KubernetesListObject<ClientObject>;
      },
      this.#watchSettings,
      TEMPLATE_LABEL,
    );
    informer.on("error", () => this.#stale.add(key));
    const refIn = (object: ClientObject): ObjectRef => ({
      apiVersion,
      kind,
      name: object.metadata?.name ?? "",
      namespace: object.metadata?.namespace,
    });
    const changed = (object: ClientObject) => {
      this.#applied.delete(refKey(refIn(object)));
      // An object whose label was removed leaves the watch: find its template by owner then.
      const template = object.metadata?.labels?.[TEMPLATE_LABEL] ??
        object.metadata?.ownerReferences?.find((owner) => owner.kind === TEMPLATE_KIND)?.name;
      if (template) this.#onChange(template);
    };
    // An object we created is reported as added: the cache holds it from now on.
    informer.on("add", (object: ClientObject) => this.#applied.delete(refKey(refIn(object))));
    informer.on("update", changed);
    informer.on("delete", changed);
    await startInformer(informer, { stopped: () => this.#stopped, onRetry: this.#onWatchRetry });
    return informer;
  }
}

function kindKey(apiVersion: string, kind: string): string {
  const slash = apiVersion.lastIndexOf("/");
  return `${slash < 0 ? "" : apiVersion.slice(0, slash)}/${kind}`;
}

function plain(object: ClientObject): KubernetesObject {
  return JSON.parse(JSON.stringify(object)) as KubernetesObject;
}
