/**
 * Minimal, library-independent shapes of Kubernetes objects as this project handles them.
 *
 * @module
 */

/** An owner reference as stored in `metadata.ownerReferences`. */
export interface OwnerReference {
  /** API version of the owner. */
  apiVersion: string;
  /** Kind of the owner. */
  kind: string;
  /** Name of the owner. */
  name: string;
  /** UID of the owner: the only thing that proves ownership. */
  uid: string;
  /** Whether the owner is the managing controller. */
  controller?: boolean;
  /** Whether foreground deletion of the owner waits for this object. */
  blockOwnerDeletion?: boolean;
}

/** Object metadata, as far as this project reads or writes it. */
export interface ObjectMeta {
  /** Object name. */
  name: string;
  /** Namespace, absent for cluster-scoped objects. */
  namespace?: string;
  /** Labels. */
  labels?: Record<string, string>;
  /** Annotations. */
  annotations?: Record<string, string>;
  /** Owner references. */
  ownerReferences?: OwnerReference[];
  /** UID assigned by the apiserver. */
  uid?: string;
  /** Resource version assigned by the apiserver. */
  resourceVersion?: string;
  /** Generation assigned by the apiserver. */
  generation?: number;
  /** Every other metadata field. */
  [field: string]: unknown;
}

/** A Kubernetes object: apiVersion, kind and metadata.name are always present. */
export interface KubernetesObject {
  /** API group and version, e.g. `cilium.io/v2`. */
  apiVersion: string;
  /** Kind, e.g. `CiliumLoadBalancerIPPool`. */
  kind: string;
  /** Metadata. */
  metadata: ObjectMeta;
  /** Every other top-level field (spec, data, …). */
  [field: string]: unknown;
}

/** Identifies one object: its type, namespace (if namespaced) and name. */
export interface ObjectRef {
  /** API group and version. */
  apiVersion: string;
  /** Kind. */
  kind: string;
  /** Namespace; absent for cluster-scoped objects. */
  namespace?: string;
  /** Name. */
  name: string;
}

/** The reference of an object. */
export function refOf(object: KubernetesObject): ObjectRef {
  const ref: ObjectRef = {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
  };
  if (object.metadata.namespace) ref.namespace = object.metadata.namespace;
  return ref;
}

/** A stable string key for a reference (the API group's version is left out: one object, many versions). */
export function refKey(ref: ObjectRef): string {
  const slash = ref.apiVersion.lastIndexOf("/");
  const group = slash < 0 ? "" : ref.apiVersion.slice(0, slash);
  return `${group}/${ref.kind}/${ref.namespace ?? ""}/${ref.name}`;
}

/** A human-readable form of a reference, e.g. `CiliumLoadBalancerIPPool/dhcp-pool-a`. */
export function describeRef(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}

/**
 * Compares two resource versions: negative when `a` is older, positive when newer, 0 when equal,
 * undefined when they cannot be compared. Resource versions are opaque by contract but integers
 * in every apiserver backed by etcd.
 */
export function compareResourceVersions(
  a: string | undefined,
  b: string | undefined,
): number | undefined {
  try {
    const difference = BigInt(a ?? "") - BigInt(b ?? "");
    return difference < 0n ? -1 : difference > 0n ? 1 : 0;
  } catch {
    return undefined;
  }
}
