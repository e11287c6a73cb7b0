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
    const key = refKey(ref);
    const applied = this.#applied.get(key);
    if (applied) return applied;
    const watch = await this.#watches.get(kindKey(ref.apiVersion, ref.kind));
    const cached = watch?.get(ref.name, ref.namespace);
    if (cached) return plain(cached);
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
    const informer = makeDenoInformer<ClientObject>(
      this.#kubeConfig,
      path,
      async () =>
        await this.#objects.list(apiVersion, kind, TEMPLATE_LABEL) as KubernetesListObject<
          ClientObject
        >,
      this.#watchSettings,
      TEMPLATE_LABEL,
    );
    const changed = (object: ClientObject) => {
      const ref = {
        apiVersion,
        kind,
        name: object.metadata?.name ?? "",
        namespace: object.metadata?.namespace,
      };
      this.#applied.delete(refKey(ref));
      // An object whose label was removed leaves the watch: find its template by owner then.
      const template = object.metadata?.labels?.[TEMPLATE_LABEL] ??
        object.metadata?.ownerReferences?.find((owner) => owner.kind === TEMPLATE_KIND)?.name;
      if (template) this.#onChange(template);
    };
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
