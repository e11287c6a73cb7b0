/**
 * Patch mode's writes in one reconcile: patches of opted-in objects, releases of patches no
 * longer rendered, and the finalizer that holds a deleted template until its patches are
 * released.
 *
 * @module
 */

import { describeRef, type ObjectRef, refKey, refOf } from "../shared/kube_object.ts";
import { errorMessage, inBatches } from "./batches.ts";
import { type DeleteAction, PATCH_FINALIZER, type Plan } from "./plan/plan.ts";
import type { DhcpTemplate, ReconcileCluster, ReconcileReport } from "./reconcile.ts";

/** What a template patched before and what its plan does with patches now. */
export interface PatchWork {
  /** The objects the template patched before (its status). */
  patchedBefore: ObjectRef[];
  /** The plan's patches, releases and patches already up to date. */
  plan: Pick<Plan, "patch" | "release" | "unchangedPatches">;
  /** Whether an object's kind can be used this time (a failed kind's patches are kept). */
  usable: (ref: ObjectRef) => boolean;
}

/**
 * Patches and releases as planned, adding the finalizer before the first patch and removing it
 * once nothing is patched. Failures are added to `failures`; returns the objects that may carry
 * the template's patch now, sorted.
 */
export async function applyPatches(
  template: DhcpTemplate,
  work: PatchWork,
  cluster: ReconcileCluster,
  report: ReconcileReport,
  failures: string[],
): Promise<ObjectRef[]> {
  const { patchedBefore, plan, usable } = work;
  const actor = template.spec.serviceAccount;
  const patchedBeforeKeys = new Set(patchedBefore.map(refKey));
  const patched = new Map<string, ObjectRef>(
    [
      ...plan.unchangedPatches,
      ...patchedBefore.filter((ref) => !usable(ref)),
      // Patched before and to be patched again: ours until released, even if this patch fails.
      ...plan.patch.map(refOf).filter((ref) => patchedBeforeKeys.has(refKey(ref))),
    ].map((ref) => [refKey(ref), ref]),
  );
  const finalized = template.metadata.finalizers?.includes(PATCH_FINALIZER) ?? false;
  let patches = plan.patch;
  if (patches.length > 0 && !finalized) {
    // Without the finalizer a deleted template could not release its patches: patch nothing.
    try {
      await cluster.setFinalizer(template, true);
    } catch (error) {
      failures.push(
        `Cannot add the finalizer ${PATCH_FINALIZER}, so nothing is patched: ${
          errorMessage(error)
        }`,
      );
      patches = [];
    }
  }
  await inBatches(patches, async (object) => {
    const ref = refOf(object);
    try {
      await cluster.patch(object, actor);
      patched.set(refKey(ref), ref);
      report.patched++;
      cluster.event(template, "Normal", "Patched", `Patched ${describeRef(ref)}`);
    } catch (error) {
      // An apply is all or nothing: a failed patch changed nothing.
      failures.push(errorMessage(error));
    }
  });
  await inBatches(plan.release, async (release) => {
    try {
      await releaseOne(template, release, cluster, report);
    } catch (error) {
      failures.push(errorMessage(error));
      patched.set(refKey(release.ref), release.ref);
    }
  });
  if (patched.size === 0 && finalized) {
    try {
      await cluster.setFinalizer(template, false);
    } catch (error) {
      failures.push(`Cannot remove the finalizer ${PATCH_FINALIZER}: ${errorMessage(error)}`);
    }
  }
  return [...patched.values()].sort((a, b) => refKey(a).localeCompare(refKey(b)));
}

/**
 * A deleted template's patches released (`releases`, planned from its status), then its
 * finalizer removed. A failed release throws: the finalizer stays and the reconcile is retried.
 */
export async function releaseDeleted(
  template: DhcpTemplate,
  releases: DeleteAction[],
  cluster: ReconcileCluster,
  report: ReconcileReport,
): Promise<void> {
  await inBatches(releases, (release) => releaseOne(template, release, cluster, report));
  await cluster.setFinalizer(template, false);
}

async function releaseOne(
  template: DhcpTemplate,
  { ref, uid }: DeleteAction,
  cluster: ReconcileCluster,
  report: ReconcileReport,
): Promise<void> {
  if (await cluster.release(ref, uid, template.spec.serviceAccount)) {
    report.released++;
    cluster.event(template, "Normal", "Released", `Released the patch of ${describeRef(ref)}`);
  }
}
