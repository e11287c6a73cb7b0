/**
 * One reconcile of one DHCPTemplate: node data → render → plan → apply and delete → status.
 * Everything it talks to comes in as an argument; a reconcile with nothing to change writes
 * nothing, and a render or apply error never prunes.
 *
 * @module
 */

import type { KubernetesObject, ObjectRef } from "../shared/kube_object.ts";
import { describeRef, refKey, refOf } from "../shared/kube_object.ts";
import { DhcpTemplateError } from "../shared/errors.ts";
import type { Node } from "../shared/model.ts";
import { errorMessage, inBatches } from "./batches.ts";
import type { ServiceAccountRef } from "./kube/impersonation.ts";
import { applyPatches, releaseDeleted } from "./patches.ts";
import {
  hashObject,
  isOwnedBy,
  PATCH_FINALIZER,
  type Plan,
  planTemplate,
  type TemplateIdentity,
} from "./plan/plan.ts";
import {
  type ConflictStatus,
  nextStatus,
  type ReconcileOutcome,
  type RenderErrorStatus,
  type TemplateStatus,
} from "./status.ts";

/** A DHCPTemplate as the reconciler reads it. */
export interface DhcpTemplate {
  /** Metadata; uid, generation and deletionTimestamp are set by the apiserver. */
  metadata: {
    name: string;
    uid: string;
    generation?: number;
    resourceVersion?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
  };
  /** The template and its switches. */
  spec: {
    template: string;
    suspend?: boolean;
    /**
     * The account its objects are applied and deleted as (impersonated); without it, the
     * operator's own account.
     */
    serviceAccount?: ServiceAccountRef;
  };
  /** The status the operator last wrote. */
  status?: TemplateStatus;
}

/** The result of rendering one template. */
export type RenderResult =
  | { ok: true; objects: KubernetesObject[] }
  | { ok: false; error: RenderErrorStatus };

/** Renders a template with the data of all nodes. */
export interface Renderer {
  /** Renders `source` (the template named `templateName`) with `nodes`. */
  render(templateName: string, source: string, nodes: Node[]): Promise<RenderResult>;
}

/** The cluster reads a plan is made from (the reconcile and the live preview share them). */
export interface ClusterReader {
  /** Whether a kind is namespaced; throws for a kind the cluster does not serve. */
  isNamespaced(apiVersion: string, kind: string): Promise<boolean>;
  /** Makes sure the cluster's objects of a kind can be read through `get` and are watched. */
  watch(apiVersion: string, kind: string): Promise<void>;
  /** The object as the cluster holds it, or undefined. */
  get(ref: ObjectRef): Promise<KubernetesObject | undefined>;
}

/** The cluster operations one reconcile needs. */
export interface ReconcileCluster extends ClusterReader {
  /**
   * Server-side applies the object (decorated with its template's controller reference), as the
   * service account `as` when given; throws {@link OwnershipConflictError} when the object exists
   * and that template does not own it.
   */
  apply(object: KubernetesObject, as?: ServiceAccountRef): Promise<KubernetesObject>;
  /**
   * Deletes the object if it still has `uid`, as the service account `as` when given; false when
   * it was gone or replaced.
   */
  delete(ref: ObjectRef, uid: string, as?: ServiceAccountRef): Promise<boolean>;
  /** Server-side applies a patch of an opted-in object under the patch field manager. */
  patch(object: KubernetesObject, as?: ServiceAccountRef): Promise<KubernetesObject>;
  /**
   * Releases the patch field manager's fields of the object, if it still has `uid`; false when it
   * was gone or replaced (nothing of ours left).
   */
  release(ref: ObjectRef, uid: string, as?: ServiceAccountRef): Promise<boolean>;
  /**
   * Adds or removes {@link PATCH_FINALIZER} on the template: it holds a deleted template until
   * its patches are released.
   */
  setFinalizer(template: DhcpTemplate, present: boolean): Promise<void>;
  /** Writes the template's status. */
  writeStatus(template: DhcpTemplate, status: TemplateStatus): Promise<void>;
  /** Records a Kubernetes Event on the template. */
  event(template: DhcpTemplate, type: "Normal" | "Warning", reason: string, message: string): void;
}

/**
 * An apply refused because, by the time it was sent, the object belonged to something else (e.g.
 * another template that rendered it in the same round): reported as a conflict, not a failure.
 */
export class OwnershipConflictError extends DhcpTemplateError {
  /** Creates the error with the conflict's reason. */
  constructor(readonly reason: string) {
    super(`Cannot apply: ${reason}`);
  }
}

/** What one reconcile did, for logs and metrics. */
export interface ReconcileReport {
  /** How it ended. */
  result: ReconcileOutcome["result"];
  /** Objects applied. */
  applied: number;
  /** Objects deleted. */
  deleted: number;
  /** Opted-in objects patched. */
  patched: number;
  /** Opted-in objects whose patch was released. */
  released: number;
  /** Whether the status was written. */
  statusWritten: boolean;
}

/** Reconciles one template against the current node data. */
export async function reconcileTemplate(
  template: DhcpTemplate,
  nodes: Node[],
  renderer: Renderer,
  cluster: ReconcileCluster,
  now: Date,
): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    result: "Applied",
    applied: 0,
    deleted: 0,
    patched: 0,
    released: 0,
    statusWritten: false,
  };
  if (template.metadata.deletionTimestamp) {
    return await releaseWhenDeleted(template, cluster, report);
  }
  const inventory = template.status?.inventory ?? [];
  const outcome = template.spec.suspend
    ? { result: "Suspended" as const }
    : await renderAndApply(template, nodes, inventory, renderer, cluster, report);
  report.result = outcome.result;

  const status = nextStatus(template.status, outcome, template.metadata.generation ?? 0, now);
  if (hashObject(status) !== hashObject(template.status ?? {})) {
    await cluster.writeStatus(template, status);
    report.statusWritten = true;
  }
  return report;
}

async function renderAndApply(
  template: DhcpTemplate,
  nodes: Node[],
  inventory: ObjectRef[],
  renderer: Renderer,
  cluster: ReconcileCluster,
  report: ReconcileReport,
): Promise<ReconcileOutcome> {
  const nodeCount = nodes.length;
  const rendered = await renderer.render(template.metadata.name, template.spec.template, nodes);
  if (!rendered.ok) {
    cluster.event(template, "Warning", "RenderFailed", rendered.error.message);
    return { result: "RenderFailed", error: rendered.error, nodeCount };
  }

  const patchedBefore = template.status?.patched ?? [];
  const { plan, live, failedKinds } = await planAgainstCluster(
    { name: template.metadata.name, uid: template.metadata.uid },
    rendered.objects,
    inventory,
    cluster,
    patchedBefore,
  );
  const usable = (ref: ObjectRef) => !failedKinds.has(kindOf(ref));
  const actor = template.spec.serviceAccount;
  const failures = [...failedKinds.values()];
  const applyConflicts: ConflictStatus[] = [];
  const kept = new Map<string, ObjectRef>(
    [...plan.unchanged, ...inventory.filter((ref) => !usable(ref))].map((
      ref,
    ) => [refKey(ref), ref]),
  );

  await inBatches(plan.apply, async (object) => {
    const ref = refOf(object);
    try {
      await cluster.apply(object, actor);
      kept.set(refKey(ref), ref);
      report.applied++;
    } catch (error) {
      if (error instanceof OwnershipConflictError) {
        applyConflicts.push({ ...ref, reason: error.reason });
        return;
      }
      failures.push(errorMessage(error));
      if (live.has(refKey(ref))) kept.set(refKey(ref), ref);
    }
  });
  await inBatches(plan.delete, async ({ ref, uid }) => {
    try {
      if (await cluster.delete(ref, uid, actor)) {
        report.deleted++;
        cluster.event(template, "Normal", "Deleted", `Deleted ${describeRef(ref)}`);
      }
    } catch (error) {
      failures.push(errorMessage(error));
      kept.set(refKey(ref), ref);
    }
  });
  const newPatched = await applyPatches(
    template,
    { patchedBefore, plan, usable },
    cluster,
    report,
    failures,
  );
  if (report.applied > 0) {
    cluster.event(template, "Normal", "Applied", `Applied ${report.applied} objects`);
  }

  // A refused object the template owns stays in its inventory: pruned once no longer rendered.
  for (const { ref } of plan.conflicts) {
    const object = live.get(refKey(ref));
    if (object && isOwnedBy(object, template.metadata.uid)) kept.set(refKey(ref), ref);
  }
  const conflicts: ConflictStatus[] = [
    ...plan.conflicts.map(({ ref, reason }) => ({ ...ref, reason })),
    ...applyConflicts.sort((a, b) => refKey(a).localeCompare(refKey(b))),
  ];
  const newInventory = [...kept.values()].sort((a, b) => refKey(a).localeCompare(refKey(b)));
  if (failures.length) {
    const message = failures.join("; ");
    cluster.event(template, "Warning", "ApplyFailed", message);
    return {
      result: "ApplyFailed",
      message,
      inventory: newInventory,
      patched: newPatched,
      conflicts,
      nodeCount,
    };
  }
  return { result: "Applied", inventory: newInventory, patched: newPatched, conflicts, nodeCount };
}

/**
 * A deleted template that still holds {@link PATCH_FINALIZER}: its patches are released, then the
 * finalizer removed (its owned objects go with it by garbage collection). No status is written.
 */
async function releaseWhenDeleted(
  template: DhcpTemplate,
  cluster: ReconcileCluster,
  report: ReconcileReport,
): Promise<ReconcileReport> {
  if (!template.metadata.finalizers?.includes(PATCH_FINALIZER)) return report;
  const { plan } = await planAgainstCluster(
    { name: template.metadata.name, uid: template.metadata.uid },
    [],
    [],
    cluster,
    template.status?.patched ?? [],
  );
  await releaseDeleted(template, plan.release, cluster, report);
  return report;
}

/** A plan made against the cluster, with what it was made from. */
export interface ClusterPlan {
  /** What to apply, delete and refuse. */
  plan: Plan;
  /** The cluster's objects for every rendered and inventory reference, keyed by `refKey`. */
  live: Map<string, KubernetesObject>;
  /** Kinds that could not be looked up or read (`apiVersion/kind` → why): left out of the plan. */
  failedKinds: Map<string, string>;
}

/**
 * Plans a template's rendered objects against the cluster, reading only: namespaces resolved,
 * live objects read, {@link planTemplate} applied. A kind the cluster does not serve (CRD missing
 * or deleted) or will not let us read (outside our RBAC) fails on its own: the template's other
 * kinds are still planned, and what it owns or patched of a failed kind is neither checked,
 * deleted nor released. `patched`: the objects the template patched before.
 */
export async function planAgainstCluster(
  template: TemplateIdentity,
  rendered: KubernetesObject[],
  inventory: ObjectRef[],
  cluster: ClusterReader,
  patched: ObjectRef[] = [],
): Promise<ClusterPlan> {
  const failedKinds = new Map<string, string>();
  const desired = await resolveNamespaces(rendered, cluster, failedKinds);
  const live = await readLive(
    [...desired.map(refOf), ...inventory, ...patched],
    cluster,
    failedKinds,
  );
  const usable = (ref: ObjectRef) => !failedKinds.has(kindOf(ref));
  const plan = planTemplate({
    template,
    desired: desired.filter((object) => usable(refOf(object))),
    inventory: inventory.filter(usable),
    patched: patched.filter(usable),
    live,
  });
  return { plan, live, failedKinds };
}

/**
 * Namespaced objects without a namespace go to `default`; cluster-scoped ones lose theirs. An
 * object whose kind cannot be looked up is left out and its kind recorded in `failedKinds`.
 */
async function resolveNamespaces(
  objects: KubernetesObject[],
  cluster: ClusterReader,
  failedKinds: Map<string, string>,
): Promise<KubernetesObject[]> {
  const resolved: KubernetesObject[] = [];
  for (const object of objects) {
    const kind = kindOf(object);
    if (failedKinds.has(kind)) continue;
    let namespaced: boolean;
    try {
      namespaced = await cluster.isNamespaced(object.apiVersion, object.kind);
    } catch (error) {
      failedKinds.set(kind, errorMessage(error));
      continue;
    }
    const { namespace: _namespace, ...metadata } = object.metadata;
    resolved.push({
      ...object,
      metadata: namespaced
        ? { ...metadata, namespace: object.metadata.namespace || "default" }
        : metadata,
    });
  }
  return resolved;
}

/**
 * The cluster's objects for `refs`, kind by kind; a kind that cannot be watched or read is
 * recorded in `failedKinds` and its objects left out.
 */
async function readLive(
  refs: ObjectRef[],
  cluster: ClusterReader,
  failedKinds: Map<string, string>,
): Promise<Map<string, KubernetesObject>> {
  const byKind = Map.groupBy(refs.filter((ref) => !failedKinds.has(kindOf(ref))), kindOf);
  const live = new Map<string, KubernetesObject>();
  await Promise.all([...byKind].map(async ([kind, kindRefs]) => {
    try {
      await cluster.watch(kindRefs[0].apiVersion, kindRefs[0].kind);
      const objects = new Map<string, KubernetesObject>();
      await inBatches(kindRefs, async (ref) => {
        const object = await cluster.get(ref);
        if (object) objects.set(refKey(ref), object);
      });
      for (const [key, object] of objects) live.set(key, object);
    } catch (error) {
      failedKinds.set(kind, errorMessage(error));
    }
  }));
  return live;
}

/** The key of an object's kind: its API version and kind (as in `failedKinds`). */
export function kindOf(ref: { apiVersion: string; kind: string }): string {
  return `${ref.apiVersion}/${ref.kind}`;
}
