/**
 * The DHCPNode custom resource (cluster-scoped, one per node) that stores a node's state in the
 * cluster, and its conversion from and to {@link NodeState}. Pure.
 *
 * @module
 */
import { DhcpTemplateError } from "../../shared/errors.ts";
import type { KubernetesObject, OwnerReference } from "../../shared/kube_object.ts";
import type { Interface } from "../../shared/model.ts";
import { decodeReport, encodeReport } from "../../shared/wire/codec.ts";
import { type NodeState, type NodeSummary, summarize } from "./state.ts";

/** API group and version of DHCPNode. */
export const DHCP_NODE_API_VERSION = "k8s.lukasdietrich.com/v1alpha1";
/** Kind of DHCPNode. */
export const DHCP_NODE_KIND = "DHCPNode";
/** Plural resource name of DHCPNode. */
export const DHCP_NODE_PLURAL = "dhcpnodes";

/** The spec of a DHCPNode: the node's last report, merged (see `state.ts`). */
export interface DhcpNodeSpec {
  /** The interfaces and their leases, draining entries included. */
  interfaces: Interface[];
  /** Digest of the last report, what the agent's heartbeats refer to. */
  reportDigest: string;
  /** When the stored data was reported (RFC 3339). */
  reportedAt: string;
  /** When the agent saw the lease change the data carries (RFC 3339), if known. */
  leaseChangeSeenAt?: string;
  /** Counts for `kubectl get dhcpnodes`. */
  summary: NodeSummary;
}

/** A stored DHCPNode object could not be read. */
export class DhcpNodeError extends DhcpTemplateError {
  /** Creates the error for the DHCPNode `name`. */
  constructor(name: string, detail: string) {
    super(`Cannot read "DHCPNode ${name}": ${detail}`, { node: name });
  }
}

/** The Node a DHCPNode belongs to (deleting it deletes the DHCPNode). */
export interface NodeOwner {
  /** Node name. */
  name: string;
  /** Node UID. */
  uid: string;
}

/** The DHCPNode object to apply for `state`, owned by its Node when that exists. */
export function toDhcpNode(state: NodeState, owner?: NodeOwner): KubernetesObject {
  const metadata: KubernetesObject["metadata"] = {
    name: state.name,
    labels: { "app.kubernetes.io/managed-by": "dhcp-template" },
  };
  if (owner) {
    const reference: OwnerReference = {
      apiVersion: "v1",
      kind: "Node",
      name: owner.name,
      uid: owner.uid,
    };
    metadata.ownerReferences = [reference];
  }
  const spec: DhcpNodeSpec = {
    interfaces: state.interfaces,
    reportDigest: state.digest,
    reportedAt: state.reportedAt,
    summary: summarize(state.interfaces),
  };
  if (state.changeSeenAt) spec.leaseChangeSeenAt = state.changeSeenAt;
  return { apiVersion: DHCP_NODE_API_VERSION, kind: DHCP_NODE_KIND, metadata, spec };
}

/**
 * The state a DHCPNode holds. The interfaces pass through the wire codec, which gives them
 * exactly the model's shape (unknown fields dropped, missing lists empty).
 */
export function fromDhcpNode(object: KubernetesObject): NodeState {
  const name = object.metadata.name;
  const spec = object.spec as Partial<DhcpNodeSpec> | undefined;
  if (!spec || typeof spec !== "object") throw new DhcpNodeError(name, "it has no spec");
  if (!Array.isArray(spec.interfaces)) {
    throw new DhcpNodeError(name, "spec.interfaces is not a list");
  }
  let interfaces: Interface[];
  try {
    interfaces = decodeReport(encodeReport({ name, interfaces: spec.interfaces })).interfaces;
  } catch (error) {
    throw new DhcpNodeError(name, `spec.interfaces: ${(error as Error).message}`);
  }
  return {
    name,
    interfaces,
    digest: typeof spec.reportDigest === "string" ? spec.reportDigest : "",
    reportedAt: typeof spec.reportedAt === "string" ? spec.reportedAt : "",
    ...(typeof spec.leaseChangeSeenAt === "string" && { changeSeenAt: spec.leaseChangeSeenAt }),
  };
}

/** The UID of the Node that owns the DHCPNode, if any. */
export function ownerUid(object: KubernetesObject): string | undefined {
  return object.metadata.ownerReferences?.find((ref) =>
    ref.kind === "Node" && ref.apiVersion === "v1"
  )
    ?.uid;
}
