/**
 * Plans one template's changes as pure data: the objects a template renders now, the objects it
 * rendered before (its inventory) and what the cluster holds → what to apply, what to delete and
 * what to refuse. Ownership is decided by the owner reference's UID, never by a label.
 *
 * The operator sets an object's only owner reference (to the rendering template): a rendered
 * object that names owners of its own is refused, so template A can never mark its objects as
 * owned by template B (whose pruning and garbage collection would then act on them) or by
 * anything else.
 *
 * @module
 */

import { createHash } from "node:crypto";
import {
  describeRef,
  type KubernetesObject,
  type ObjectRef,
  refKey,
  refOf,
} from "../../shared/kube_object.ts";

/** The label every generated object carries: the name of its template. */
export const TEMPLATE_LABEL = "k8s.lukasdietrich.com/template";
/** The annotation holding the hash of what was last applied, so removed fields are noticed. */
export const APPLIED_HASH_ANNOTATION = "k8s.lukasdietrich.com/applied-hash";
/**
 * Marks a rendered document as a patch of an existing object: applied under the patch field
 * manager without taking ownership (only the fields it sets become ours). The operator strips it.
 */
export const PATCH_ANNOTATION = "k8s.lukasdietrich.com/patch";
/** The annotation an existing object opts in with: it names the one template that may patch it. */
export const PATCH_OPT_IN_ANNOTATION = "k8s.lukasdietrich.com/patched-by";
/** The finalizer a template that patches objects carries: its patches are released first. */
export const PATCH_FINALIZER = "k8s.lukasdietrich.com/release-patches";
/** API version of the DHCPTemplate custom resource. */
export const TEMPLATE_API_VERSION = "k8s.lukasdietrich.com/v1alpha1";
/** Kind of the DHCPTemplate custom resource. */
export const TEMPLATE_KIND = "DHCPTemplate";

/** The template a plan is made for. */
export interface TemplateIdentity {
  /** DHCPTemplate name. */
  name: string;
  /** DHCPTemplate UID: generated objects name it as their controller. */
  uid: string;
}

/** Everything a plan is made from. */
export interface PlanInput {
  /** The template. */
  template: TemplateIdentity;
  /** What the template renders now, namespaces already resolved. */
  desired: readonly KubernetesObject[];
  /** What the template applied before (from its status). */
  inventory: readonly ObjectRef[];
  /** The objects the template patched before (from its status). */
  patched?: readonly ObjectRef[];
  /** The cluster's current objects for every desired and inventory reference, keyed by `refKey`. */
  live: ReadonlyMap<string, KubernetesObject>;
}

/** An object to delete or release; `uid` is the precondition that it is still the same object. */
export interface DeleteAction {
  /** The object. */
  ref: ObjectRef;
  /** Its UID when planned. */
  uid: string;
}

/** An object the template wanted but must not touch, and why. */
export interface Conflict {
  /** The object. */
  ref: ObjectRef;
  /** Why it was refused, for the template's status. */
  reason: string;
}

/** What to do for one template. */
export interface Plan {
  /** Objects to server-side apply, decorated with label, owner reference and hash. */
  apply: KubernetesObject[];
  /** Desired objects that already match the cluster: no request. */
  unchanged: ObjectRef[];
  /** Objects the template no longer renders and still owns. */
  delete: DeleteAction[];
  /** Patches to server-side apply (opted-in objects), decorated with label and hash. */
  patch: KubernetesObject[];
  /** Opted-in objects whose patch already matches the cluster: no request. */
  unchangedPatches: ObjectRef[];
  /** Objects patched before and no longer patched: our fields are released (`uid`: as planned). */
  release: DeleteAction[];
  /** Objects refused because something else owns them, or rendered twice. */
  conflicts: Conflict[];
}

/** Why a rendered object that sets `metadata.ownerReferences` is refused. */
export const OWN_OWNERS_REFUSED =
  "sets metadata.ownerReferences: a template may not name owners, the operator sets the only " +
  "owner reference (to the template)";

/** Makes the plan for one template. Pure: the same input gives the same plan. */
export function planTemplate(input: PlanInput): Plan {
  const plan: Plan = {
    apply: [],
    unchanged: [],
    delete: [],
    patch: [],
    unchangedPatches: [],
    release: [],
    conflicts: [],
  };
  const desiredKeys = new Set<string>();
  const patchedKeys = new Set<string>();

  for (const object of input.desired) {
    const ref = refOf(object);
    const key = refKey(ref);
    if (desiredKeys.has(key)) {
      plan.conflicts.push({ ref, reason: `${describeRef(ref)} is rendered more than once` });
      continue;
    }
    desiredKeys.add(key);
    if ((object.metadata.ownerReferences ?? []).length > 0) {
      plan.conflicts.push({ ref, reason: `${describeRef(ref)} ${OWN_OWNERS_REFUSED}` });
      continue;
    }
    const live = input.live.get(key);
    if (isPatch(object)) {
      const refusal = patchRefusal(object, live, input.template);
      if (refusal) {
        plan.conflicts.push({ ref, reason: `${describeRef(ref)} ${refusal}` });
        continue;
      }
      patchedKeys.add(key);
      const decorated = decoratePatch(object, input.template);
      if (isUpToDate(decorated, live!)) plan.unchangedPatches.push(ref);
      else plan.patch.push(decorated);
      continue;
    }
    const conflict = live && ownershipConflict(live, input.template.uid);
    if (conflict) {
      plan.conflicts.push({ ref, reason: conflict });
      continue;
    }
    const decorated = decorate(object, input.template);
    if (live && isUpToDate(decorated, live)) plan.unchanged.push(ref);
    else plan.apply.push(decorated);
  }

  for (const ref of input.inventory) {
    const key = refKey(ref);
    if (desiredKeys.has(key)) continue;
    const live = input.live.get(key);
    if (live?.metadata.uid && isOwnedBy(live, input.template.uid)) {
      plan.delete.push({ ref: refOf(live), uid: live.metadata.uid });
    }
  }
  for (const ref of input.patched ?? []) {
    const live = input.live.get(refKey(ref));
    if (!patchedKeys.has(refKey(ref)) && live?.metadata.uid) {
      plan.release.push({ ref: refOf(live), uid: live.metadata.uid });
    }
  }
  return plan;
}

/** Whether a rendered document is marked as a patch of an existing object. */
export function isPatch(object: KubernetesObject): boolean {
  return object.metadata.annotations?.[PATCH_ANNOTATION] === "true";
}

/** Why the template may not apply `patch` to `live`, or undefined when it may. */
function patchRefusal(
  patch: KubernetesObject,
  live: KubernetesObject | undefined,
  template: TemplateIdentity,
): string | undefined {
  // The opt-in is the object owner's decision: a patch that set it could hand the object on.
  if (patch.metadata.annotations?.[PATCH_OPT_IN_ANNOTATION] !== undefined) {
    return `sets ${PATCH_OPT_IN_ANNOTATION}: only the object's owner opts in`;
  }
  if (!live) return "does not exist: a patch never creates an object";
  const optIn = live.metadata.annotations?.[PATCH_OPT_IN_ANNOTATION];
  if (optIn !== template.name) {
    return `has not opted in to be patched by this template (its annotation ` +
      `${PATCH_OPT_IN_ANNOTATION} must be "${template.name}"` +
      (optIn === undefined ? ")" : `, not "${optIn}")`);
  }
  if ((live.metadata.ownerReferences ?? []).some((owner) => owner.kind === TEMPLATE_KIND)) {
    return "is generated by a template and cannot be patched";
  }
  return undefined;
}

/**
 * A patch as it is applied: the patch mark removed, the template label (so drift is watched) and
 * the applied hash added; no owner reference.
 */
export function decoratePatch(
  object: KubernetesObject,
  template: TemplateIdentity,
): KubernetesObject {
  const { [PATCH_ANNOTATION]: _mark, ...annotations } = object.metadata.annotations ?? {};
  const labeled: KubernetesObject = {
    ...object,
    metadata: {
      ...object.metadata,
      labels: { ...object.metadata.labels, [TEMPLATE_LABEL]: template.name },
      annotations,
    },
  };
  return {
    ...labeled,
    metadata: {
      ...labeled.metadata,
      annotations: { ...annotations, [APPLIED_HASH_ANNOTATION]: hashObject(labeled) },
    },
  };
}

/**
 * Why the template with this UID must not touch `live`, an object that exists; undefined when
 * the template owns it.
 */
export function ownershipConflict(live: KubernetesObject, templateUid: string): string | undefined {
  if (isOwnedBy(live, templateUid)) return undefined;
  return `${describeRef(refOf(live))} exists and ${ownerOf(live)}`;
}

/** Whether `object` names the template with this UID among its owners. */
export function isOwnedBy(object: KubernetesObject, templateUid: string): boolean {
  return (object.metadata.ownerReferences ?? []).some((owner) => owner.uid === templateUid);
}

function ownerOf(object: KubernetesObject): string {
  const owner = object.metadata.ownerReferences?.find((reference) => reference.controller);
  return owner
    ? `is controlled by ${owner.kind} ${owner.name}`
    : "was not created by this template";
}

/**
 * The object as it is applied: template label, the template as its only owner (controller),
 * applied hash.
 */
export function decorate(object: KubernetesObject, template: TemplateIdentity): KubernetesObject {
  const withOwnership: KubernetesObject = {
    ...object,
    metadata: {
      ...object.metadata,
      labels: { ...object.metadata.labels, [TEMPLATE_LABEL]: template.name },
      ownerReferences: [
        {
          apiVersion: TEMPLATE_API_VERSION,
          kind: TEMPLATE_KIND,
          name: template.name,
          uid: template.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
  };
  return {
    ...withOwnership,
    metadata: {
      ...withOwnership.metadata,
      annotations: {
        ...withOwnership.metadata.annotations,
        [APPLIED_HASH_ANNOTATION]: hashObject(withOwnership),
      },
    },
  };
}

/** A stable hash of an object's content (key order does not matter). */
export function hashObject(object: unknown): string {
  return createHash("sha256").update(canonicalJson(object)).digest("hex").slice(0, 32);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${
      entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(",")
    }}`;
  }
  return JSON.stringify(value);
}

/**
 * Whether the cluster already holds what `desired` (decorated) asks for: the same applied hash
 * (nothing was removed from the template) and every desired field present with the same value
 * (nobody edited a field we own).
 */
export function isUpToDate(desired: KubernetesObject, live: KubernetesObject): boolean {
  const hash = desired.metadata.annotations?.[APPLIED_HASH_ANNOTATION];
  if (live.metadata.annotations?.[APPLIED_HASH_ANNOTATION] !== hash) return false;
  const { metadata: desiredMeta, ...desiredBody } = desired;
  const { metadata: liveMeta, ...liveBody } = live;
  return isSubset(desiredMeta.labels ?? {}, liveMeta.labels ?? {}) &&
    isSubset(desiredMeta.annotations ?? {}, liveMeta.annotations ?? {}) &&
    (desiredMeta.ownerReferences ?? []).every((owner) =>
      (liveMeta.ownerReferences ?? []).some((liveOwner) => isSubset(owner, liveOwner))
    ) &&
    isSubset(desiredBody, liveBody);
}

/** Whether every field of `wanted` is in `actual` with the same value; lists must match in length. */
function isSubset(wanted: unknown, actual: unknown): boolean {
  if (Array.isArray(wanted)) {
    return Array.isArray(actual) && wanted.length === actual.length &&
      wanted.every((item, index) => isSubset(item, actual[index]));
  }
  if (wanted !== null && typeof wanted === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
    const actualRecord = actual as Record<string, unknown>;
    return Object.entries(wanted as Record<string, unknown>).every(([key, value]) =>
      value === undefined || isSubset(value, actualRecord[key])
    );
  }
  return wanted === actual;
}
