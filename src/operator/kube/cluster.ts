/**
 * The cluster as one reconcile sees it: generic object access, the caches of generated objects,
 * and the templates' status and Events, behind the reconciler's `ReconcileCluster` interface.
 *
 * @module
 */
import type { KubernetesObject, ObjectRef } from "../../shared/kube_object.ts";
import { refKey, refOf } from "../../shared/kube_object.ts";
import { ownershipConflict } from "../plan/plan.ts";
import { type DhcpTemplate, OwnershipConflictError, type ReconcileCluster } from "../reconcile.ts";
import type { TemplateStatus } from "../status.ts";
import type { ServiceAccountRef } from "./impersonation.ts";
import { type ClusterObjects, PATCH_FIELD_MANAGER } from "./objects.ts";
import type { OwnedObjects } from "./owned.ts";
import type { Templates } from "./templates.ts";

/** Counts of the write requests reconciles made (for metrics and the zero-write guarantee). */
export interface WriteCounts {
  /** Server-side applies of generated objects. */
  applies: number;
  /** Deletions of generated objects. */
  deletes: number;
  /** Status writes of templates. */
  statusWrites: number;
  /** Patches of opted-in objects, and releases of them. */
  patches: number;
  /** Finalizer changes of templates. */
  finalizerWrites: number;
}

/** `ReconcileCluster` over the real apiserver. */
export class KubeReconcileCluster implements ReconcileCluster {
  /** Write requests made so far. */
  readonly writes: WriteCounts = {
    applies: 0,
    deletes: 0,
    statusWrites: 0,
    patches: 0,
    finalizerWrites: 0,
  };
  readonly #objects: ClusterObjects;
  readonly #owned: OwnedObjects;
  readonly #templates: Templates;
  /** The apply in progress per object, so applies of one object never overlap. */
  readonly #applying = new Map<string, Promise<void>>();

  /** Combines the object client, the generated-object caches and the templates. */
  constructor(objects: ClusterObjects, owned: OwnedObjects, templates: Templates) {
    this.#objects = objects;
    this.#owned = owned;
    this.#templates = templates;
  }

  /** Whether a kind is namespaced. */
  isNamespaced(apiVersion: string, kind: string): Promise<boolean> {
    return this.#objects.isNamespaced(apiVersion, kind);
  }

  /** Starts watching a kind's generated objects. */
  watch(apiVersion: string, kind: string): Promise<void> {
    return this.#owned.watch(apiVersion, kind);
  }

  /** The object as the cluster holds it (from the watch cache where possible). */
  get(ref: ObjectRef): Promise<KubernetesObject | undefined> {
    return this.#owned.get(ref);
  }

  /**
   * Applies the object (as `as`) and remembers the result until the watch reports it. Applies of
   * one object run one at a time, each after checking that the object is not someone else's by
   * now: two templates rendering it in the same round cannot both take it (they share a field
   * manager, so the apiserver would let the later one silently take it over).
   */
  apply(object: KubernetesObject, as?: ServiceAccountRef): Promise<KubernetesObject> {
    const key = refKey(refOf(object));
    const previous = this.#applying.get(key) ?? Promise.resolve();
    const result = previous.then(() => this.#applyChecked(object, as));
    const settled = result.then(() => {}, () => {});
    this.#applying.set(key, settled);
    settled.then(() => {
      if (this.#applying.get(key) === settled) this.#applying.delete(key);
    });
    return result;
  }

  async #applyChecked(object: KubernetesObject, as?: ServiceAccountRef): Promise<KubernetesObject> {
    const owner = object.metadata.ownerReferences?.find((reference) => reference.controller);
    const live = await this.#owned.get(refOf(object));
    const conflict = live && owner && ownershipConflict(live, owner.uid);
    if (conflict) throw new OwnershipConflictError(conflict);
    this.writes.applies++;
    const applied = await this.#objects.apply(object, as);
    this.#owned.remember(applied);
    return applied;
  }

  /** Deletes the object (as `as`) if it still has `uid`. */
  async delete(ref: ObjectRef, uid: string, as?: ServiceAccountRef): Promise<boolean> {
    this.writes.deletes++;
    const deleted = await this.#objects.delete(ref, uid, as);
    this.#owned.forget(ref);
    return deleted;
  }

  /** Patches an opted-in object (as `as`) and remembers the result until the watch reports it. */
  async patch(object: KubernetesObject, as?: ServiceAccountRef): Promise<KubernetesObject> {
    this.writes.patches++;
    const patched = await this.#objects.applyWith(object, {
      fieldManager: PATCH_FIELD_MANAGER,
      as,
    });
    this.#owned.remember(patched);
    return patched;
  }

  /** Releases the patch of an object (as `as`) if it still has `uid`; false when it had not. */
  async release(ref: ObjectRef, uid: string, as?: ServiceAccountRef): Promise<boolean> {
    this.writes.patches++;
    const released = await this.#objects.releasePatch(ref, uid, { as });
    this.#owned.forget(ref);
    return released !== undefined;
  }

  /** Adds or removes the template's patch finalizer. */
  setFinalizer(template: DhcpTemplate, present: boolean): Promise<void> {
    this.writes.finalizerWrites++;
    return this.#templates.setFinalizer(template, present);
  }

  /** Writes the template's status. */
  writeStatus(template: DhcpTemplate, status: TemplateStatus): Promise<void> {
    this.writes.statusWrites++;
    return this.#templates.writeStatus(template, status);
  }

  /** Records an Event on the template. */
  event(template: DhcpTemplate, type: "Normal" | "Warning", reason: string, message: string): void {
    this.#templates.event(template, type, reason, message);
  }
}
